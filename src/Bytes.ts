/**
 * Byte-order-explicit binary fields: protocol headers read from and written
 * to `Uint8Array` frames without `Buffer` casts, silent wrap-around or
 * `RangeError`s. A `struct` of fields decodes to a typed object and encodes
 * back; every failure is a `BytesError` naming the field and byte offset.
 *
 * ```ts
 * const Header = Bytes.struct({ type: Bytes.u8, id: Bytes.u32be, value: Bytes.f32le, text: Bytes.utf8Rest })
 * Bytes.decode(Header)(frame)   // Either<{ type: number; id: number; value: number; text: string }, BytesError>
 * Bytes.encode(Header)(value)   // Either<Uint8Array, BytesError>
 * Bytes.schema(Header)          // Schema<A, Uint8Array>
 * ```
 *
 * Decoding and encoding are pure and synchronous. A decode makes one
 * `DataView` over exactly the frame's bytes (frames are usually views into a
 * bigger chunk), and allocates nothing per field but the values; an encode
 * checks every value and sizes the output first, then allocates it once.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type { Pipeable } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import * as internal from "./internal/framing/bytes.js"
import * as fields from "./internal/framing/bytesFields.js"

/**
 * @since 0.2.0
 * @category symbols
 */
export const FieldTypeId: typeof internal.FieldTypeId = internal.FieldTypeId

/**
 * @since 0.2.0
 * @category symbols
 */
export type FieldTypeId = typeof FieldTypeId

/**
 * One binary field that reads and writes a value of type `A`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Field<out A> extends Pipeable {
  /** Marks a field and carries its value type. */
  readonly [FieldTypeId]: { readonly _A: Types.Covariant<A> }
  /** What the field is, as messages name it: `"u32be"`, `"bytes(16)"`, `"struct"`. */
  readonly kind: string
  /** Bytes on the wire, or `undefined` for a field that takes the rest of the frame. */
  readonly size: number | undefined
}

/**
 * The value type of a field.
 *
 * @since 0.2.0
 * @category models
 */
export type Type<F> = F extends Field<infer A> ? A : never

/**
 * The fields of a struct, in wire order.
 *
 * @since 0.2.0
 * @category models
 */
export interface Fields {
  readonly [name: string]: Field<unknown>
}

/**
 * Fields laid out one after the other, in the order their keys are written.
 * A struct is itself a field, so structs nest.
 *
 * @since 0.2.0
 * @category models
 */
export interface Struct<A> extends Field<A> {
  /** The fields as given to `struct`. */
  readonly fields: Fields
}

/**
 * What went wrong reading or writing a struct, where.
 *
 * - `Truncated` (decode): the frame ends inside `field`.
 * - `TrailingBytes` (decode): bytes are left after the last field.
 * - `OutOfRange` (encode): the value cannot be written as `field` says —
 *   an integer outside the field's range or not an integer (`DataView` would
 *   wrap it, `Buffer` would throw), a `bytes(n)` or `utf8(n)` value of
 *   another length, a literal field given other bytes, a value of the wrong
 *   type.
 * - `InvalidUtf8`: decoding, a `utf8` field's bytes are not UTF-8; encoding,
 *   the string has a lone surrogate (UTF-8 has no form for it).
 * - `Literal` (decode): a `literal` field's bytes are not the literal.
 *
 * @since 0.2.0
 * @category errors
 */
export class BytesError extends Data.TaggedError("BytesError")<{
  /** Which of the failures above. */
  readonly reason: "Truncated" | "TrailingBytes" | "OutOfRange" | "InvalidUtf8" | "Literal"
  /**
   * Byte offset in the frame (decode) or in the output (encode): where the
   * field starts; for `InvalidUtf8`, where the bad sequence starts; for
   * `TrailingBytes`, where the extra bytes start.
   */
  readonly offset: number
  /**
   * The field's key, with the keys of enclosing structs before it
   * (`"header.id"`). For `TrailingBytes`, the last field of the struct (the
   * extra bytes follow it), or `""` for a struct without fields.
   */
  readonly field: string
  /** The particulars, in words: `"u32be needs 4 bytes, the frame has 2 left"`. */
  readonly detail: string
}> {
  override get message(): string {
    // a value that is not inside a struct has no field to name
    const field = this.field === "" ? "" : this.reason === "TrailingBytes" ? ` ("${this.field}")` : `, field "${this.field}"`
    return this.reason === "TrailingBytes"
      ? `${this.detail}${field}, at byte offset ${this.offset}`
      : `${headlines[this.reason]} at byte offset ${this.offset}${field}: ${this.detail}`
  }
}

const headlines = {
  Truncated: "frame ends early",
  OutOfRange: "value out of range",
  InvalidUtf8: "invalid UTF-8",
  Literal: "literal mismatch"
} as const

const toError = (data: internal.ErrorData): BytesError => new BytesError(data)

// -----------------------------------------------------------------------------
// integers
// -----------------------------------------------------------------------------

/**
 * An unsigned byte, 0 to 255.
 *
 * ```text
 * 200
 *   +----+
 *   | C8 |
 *   +----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u8: Field<number> = fields.int("u8", "Uint8", false, 0, 0xff)

/**
 * A signed byte, -128 to 127, two's complement.
 *
 * ```text
 * -2
 *   +----+
 *   | FE |
 *   +----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i8: Field<number> = fields.int("i8", "Int8", false, -0x80, 0x7f)

/**
 * An unsigned 16-bit integer, most significant byte first (network order).
 *
 * ```text
 * 0x1234
 *   +----+----+
 *   | 12 | 34 |
 *   +----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u16be: Field<number> = fields.int("u16be", "Uint16", false, 0, 0xffff)

/**
 * An unsigned 16-bit integer, least significant byte first.
 *
 * ```text
 * 0x1234
 *   +----+----+
 *   | 34 | 12 |
 *   +----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u16le: Field<number> = fields.int("u16le", "Uint16", true, 0, 0xffff)

/**
 * A signed 16-bit integer, -32768 to 32767, most significant byte first.
 *
 * ```text
 * -2
 *   +----+----+
 *   | FF | FE |
 *   +----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i16be: Field<number> = fields.int("i16be", "Int16", false, -0x8000, 0x7fff)

/**
 * A signed 16-bit integer, -32768 to 32767, least significant byte first.
 *
 * ```text
 * -2
 *   +----+----+
 *   | FE | FF |
 *   +----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i16le: Field<number> = fields.int("i16le", "Int16", true, -0x8000, 0x7fff)

/**
 * An unsigned 32-bit integer, most significant byte first (`readUInt32BE`).
 *
 * ```text
 * 0xDEADBEEF
 *   +----+----+----+----+
 *   | DE | AD | BE | EF |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u32be: Field<number> = fields.int("u32be", "Uint32", false, 0, 0xffffffff)

/**
 * An unsigned 32-bit integer, least significant byte first (`readUInt32LE`).
 *
 * ```text
 * 0xDEADBEEF
 *   +----+----+----+----+
 *   | EF | BE | AD | DE |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u32le: Field<number> = fields.int("u32le", "Uint32", true, 0, 0xffffffff)

/**
 * A signed 32-bit integer, -2^31 to 2^31 - 1, most significant byte first.
 *
 * ```text
 * -2
 *   +----+----+----+----+
 *   | FF | FF | FF | FE |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i32be: Field<number> = fields.int("i32be", "Int32", false, -0x80000000, 0x7fffffff)

/**
 * A signed 32-bit integer, -2^31 to 2^31 - 1, least significant byte first.
 *
 * ```text
 * -2
 *   +----+----+----+----+
 *   | FE | FF | FF | FF |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i32le: Field<number> = fields.int("i32le", "Int32", true, -0x80000000, 0x7fffffff)

const U64_MAX = 0xffffffffffffffffn
const I64_MIN = -0x8000000000000000n
const I64_MAX = 0x7fffffffffffffffn

/**
 * An unsigned 64-bit integer as a `bigint`, 0 to 2^64 - 1, most significant
 * byte first.
 *
 * ```text
 * 0x0102030405060708n
 *   +----+----+----+----+----+----+----+----+
 *   | 01 | 02 | 03 | 04 | 05 | 06 | 07 | 08 |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u64be: Field<bigint> = fields.bigint("u64be", "BigUint64", false, 0n, U64_MAX)

/**
 * An unsigned 64-bit integer as a `bigint`, 0 to 2^64 - 1, least significant
 * byte first.
 *
 * ```text
 * 0x0102030405060708n
 *   +----+----+----+----+----+----+----+----+
 *   | 08 | 07 | 06 | 05 | 04 | 03 | 02 | 01 |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const u64le: Field<bigint> = fields.bigint("u64le", "BigUint64", true, 0n, U64_MAX)

/**
 * A signed 64-bit integer as a `bigint`, -2^63 to 2^63 - 1, most
 * significant byte first.
 *
 * ```text
 * 9007199254740991n (2^53 - 1)
 *   +----+----+----+----+----+----+----+----+
 *   | 00 | 1F | FF | FF | FF | FF | FF | FF |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i64be: Field<bigint> = fields.bigint("i64be", "BigInt64", false, I64_MIN, I64_MAX)

/**
 * A signed 64-bit integer as a `bigint`, -2^63 to 2^63 - 1, least
 * significant byte first (`writeBigInt64LE`).
 *
 * ```text
 * 9007199254740991n (2^53 - 1)
 *   +----+----+----+----+----+----+----+----+
 *   | FF | FF | FF | FF | FF | FF | 1F | 00 |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category integers
 */
export const i64le: Field<bigint> = fields.bigint("i64le", "BigInt64", true, I64_MIN, I64_MAX)

// -----------------------------------------------------------------------------
// floats
// -----------------------------------------------------------------------------

/**
 * An IEEE 754 single, most significant byte first. Encoding rounds to the
 * nearest single as `Math.fround` does (3.14159 comes back as
 * 3.141590118408203, a finite number past the single range as ±Infinity),
 * like `Buffer.writeFloatBE`; NaN and infinities are written as such.
 * A single's bits come back exactly (NaN payloads aside).
 *
 * ```text
 * 3.14159
 *   +----+----+----+----+
 *   | 40 | 49 | 0F | D0 |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category floats
 */
export const f32be: Field<number> = fields.float("f32be", "Float32", false)

/**
 * An IEEE 754 single, least significant byte first (`writeFloatLE`);
 * rounding as `f32be`.
 *
 * ```text
 * 3.14159
 *   +----+----+----+----+
 *   | D0 | 0F | 49 | 40 |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category floats
 */
export const f32le: Field<number> = fields.float("f32le", "Float32", true)

/**
 * An IEEE 754 double, most significant byte first: every number comes back
 * bit for bit (NaN payloads aside).
 *
 * ```text
 * 1.5
 *   +----+----+----+----+----+----+----+----+
 *   | 3F | F8 | 00 | 00 | 00 | 00 | 00 | 00 |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category floats
 */
export const f64be: Field<number> = fields.float("f64be", "Float64", false)

/**
 * An IEEE 754 double, least significant byte first.
 *
 * ```text
 * 1.5
 *   +----+----+----+----+----+----+----+----+
 *   | 00 | 00 | 00 | 00 | 00 | 00 | F8 | 3F |
 *   +----+----+----+----+----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category floats
 */
export const f64le: Field<number> = fields.float("f64le", "Float64", true)

// -----------------------------------------------------------------------------
// bytes and text
// -----------------------------------------------------------------------------

/**
 * Exactly `n` raw bytes. Decoded as a view into the frame, not a copy
 * (`.slice()` it to keep it apart from the frame's chunk); encoding a value
 * of another length is `OutOfRange`.
 *
 * ```text
 * bytes(3)
 *   +----+----+----+
 *   | 01 | 02 | 03 |  <--->  Uint8Array [1, 2, 3]
 *   +----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category bytes
 */
export const bytes = (n: number): Field<Uint8Array> => fields.bytes(n)

/**
 * All the bytes left in the frame, possibly none; a view as for `bytes`.
 * Only the last field of a struct can take the rest.
 *
 * ```text
 * struct({ tag: u8, body: bytesRest })
 *   +----+----+----+----+
 *   | 07 | 61 | 62 | 63 |  <--->  { tag: 7, body: [0x61, 0x62, 0x63] }
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category bytes
 */
export const bytesRest: Field<Uint8Array> = fields.bytes(undefined)

/**
 * Text in exactly `n` bytes of UTF-8, decoded fatally (a bad sequence is
 * `InvalidUtf8` at its offset; a byte order mark is kept as U+FEFF).
 * Encoding a string whose UTF-8 is not exactly `n` bytes is `OutOfRange`
 * (nothing is padded or cut: a protocol that pads says with what); a string
 * with a lone surrogate is `InvalidUtf8`.
 *
 * ```text
 * utf8(4)
 *   +----+----+----+----+
 *   | 63 | 61 | C3 | A9 |  <--->  "caé"
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category text
 */
export const utf8 = (n: number): Field<string> => fields.utf8(n)

/**
 * The rest of the frame as UTF-8 text, possibly empty; checked as `utf8`.
 * Only the last field of a struct can take the rest.
 *
 * ```text
 * struct({ id: u16be, text: utf8Rest })
 *   +----+----+----+----+
 *   | 00 | 2A | 68 | 69 |  <--->  { id: 42, text: "hi" }
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category text
 */
export const utf8Rest: Field<string> = fields.utf8(undefined)

/**
 * Fixed bytes, a magic number: decoding other bytes is `Literal`; encoding
 * takes the same bytes back (anything else is `OutOfRange`). The decoded
 * value is a view into the frame. A value that is not an integer from 0 to
 * 255 throws `IllegalArgumentException` here.
 *
 * ```text
 * literal([0x89, 0x50, 0x4e, 0x47])
 *   +----+----+----+----+
 *   | 89 | 50 | 4E | 47 |
 *   +----+----+----+----+
 * ```
 *
 * @since 0.2.0
 * @category bytes
 */
export const literal = (bytes: Uint8Array | ReadonlyArray<number>): Field<Uint8Array> =>
  fields.literal(fields.byteArray("Bytes.literal", bytes))

// -----------------------------------------------------------------------------
// structs
// -----------------------------------------------------------------------------

/**
 * Fields one after the other, in key order; the value is an object with the
 * same keys. A field that takes the rest of the frame (`bytesRest`,
 * `utf8Rest`, a struct ending in one) must come last; keys must be neither
 * array indices (`"0"`, `"12"`: JavaScript would enumerate them first) nor
 * `"__proto__"`. Each mistake throws `IllegalArgumentException` here, not
 * at decode time.
 *
 * ```text
 * struct({ type: u8, id: u32be, value: f32le, text: utf8Rest })
 *   0      1             5             9      (byte offset)
 *   +------+-------------+-------------+-------+
 *   | type | id (BE)     | value (LE)  | text  |
 *   | 01   | 00 00 00 2A | D0 0F 49 40 | 68 69 |
 *   +------+-------------+-------------+-------+
 * ```
 *
 * @example
 * ```ts
 * import { Bytes } from "effect-net"
 *
 * const Header = Bytes.struct({
 *   magic: Bytes.literal([0xca, 0xfe]),
 *   version: Bytes.u8,
 *   length: Bytes.u32be
 * })
 * // Bytes.Type<typeof Header>: { readonly magic: Uint8Array; readonly version: number; readonly length: number }
 * const Packet = Bytes.struct({ header: Header, body: Bytes.bytesRest })   // structs nest
 * ```
 *
 * @since 0.2.0
 * @category structs
 */
export const struct = <const F extends Fields>(
  fields: F
): Struct<Types.Simplify<{ readonly [K in keyof F]: Type<F[K]> }>> => new internal.StructCodec(fields)

const codec = <A>(self: Struct<A>): internal.StructCodec<A> => self as internal.StructCodec<A>

/**
 * Read a frame as the struct. A frame shorter than the fields is `Truncated`
 * (never a `RangeError`), one longer is `TrailingBytes`.
 *
 * @example
 * ```ts
 * import { Bytes } from "effect-net"
 * import { Either } from "effect"
 *
 * const Header = Bytes.struct({ type: Bytes.u8, id: Bytes.u32be, value: Bytes.f32le, text: Bytes.utf8Rest })
 * const frame = new Uint8Array([0x01, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0xc0, 0x3f, 0x68, 0x69])
 * Bytes.decode(Header)(frame)              // Either.right({ type: 1, id: 42, value: 1.5, text: "hi" })
 * Bytes.decode(Header)(frame.subarray(0, 3))
 * // Either.left(BytesError { reason: "Truncated", offset: 1, field: "id" })
 * ```
 *
 * @since 0.2.0
 * @category decoding
 */
export const decode = <A>(self: Struct<A>) => {
  const s = codec(self)
  return (frame: Uint8Array): Either.Either<A, BytesError> => internal.decode(s, frame, toError)
}

/**
 * Write a value as the struct, into a new `Uint8Array` of exactly its size.
 * A value a field cannot hold is `OutOfRange` (or `InvalidUtf8` for a lone
 * surrogate), and nothing is allocated for it.
 *
 * @example
 * ```ts
 * import { Bytes } from "effect-net"
 *
 * const Header = Bytes.struct({ type: Bytes.u8, id: Bytes.u32be })
 * Bytes.encode(Header)({ type: 1, id: 0xdeadbeef })   // Either.right(Uint8Array [01 DE AD BE EF])
 * Bytes.encode(Header)({ type: 256, id: 0 })
 * // Either.left(BytesError { reason: "OutOfRange", offset: 0, field: "type" })
 * ```
 *
 * @since 0.2.0
 * @category encoding
 */
export const encode = <A>(self: Struct<A>) => {
  const s = codec(self)
  return (value: A): Either.Either<Uint8Array, BytesError> => internal.encode(s, value, toError)
}

/**
 * The struct as a `Schema<A, Uint8Array>`, for `Message.binary` and Schema
 * pipelines. Failures are `ParseError`s whose message is the `BytesError`'s;
 * the type side (`Schema.is`, encoding) checks values as `encode` does.
 *
 * @example
 * ```ts
 * import { Bytes } from "effect-net"
 * import { Schema } from "effect"
 *
 * const Ping = Bytes.schema(Bytes.struct({ seq: Bytes.u32be, sentAt: Bytes.f64be }))
 * const bytes = Schema.encodeSync(Ping)({ seq: 1, sentAt: Date.now() })
 * const ping = Schema.decodeUnknownSync(Ping)(bytes)
 * ```
 *
 * @since 0.2.0
 * @category schema
 */
export const schema = <A>(self: Struct<A>): Schema.Schema<A, Uint8Array> => {
  const s = codec(self)
  const check = (input: unknown, ast: Schema.declare<A>["ast"]) => {
    const failure = internal.validate(s, input)
    return failure === undefined
      ? ParseResult.succeed(input as A)
      : ParseResult.fail(new ParseResult.Type(ast, input, toError(failure).message))
  }
  const Value = Schema.declare<A, A, readonly []>([], {
    decode: () => (input, _, ast) => check(input, ast),
    encode: () => (input, _, ast) => check(input, ast)
  }, { identifier: "Bytes.struct", description: `a value for ${describe(s)}` })
  return Schema.transformOrFail(Schema.Uint8ArrayFromSelf, Value, {
    strict: true,
    decode: (frame, _, ast) =>
      internal.decode(s, frame, (failure) => new ParseResult.Type(ast, frame, toError(failure).message)),
    encode: (value, _, ast) =>
      internal.encode(s, value, (failure) => new ParseResult.Type(ast, value, toError(failure).message))
  })
}

const describe = (s: internal.StructCodec<unknown>): string =>
  `{ ${s.keys.map((key, i) => `${key}: ${s.codecs[i] instanceof internal.StructCodec ? describe(s.codecs[i]) : s.codecs[i]!.kind}`).join(", ")} }`
