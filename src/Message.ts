/**
 * Typed messages over frames: a `Codec` turns a byte stream cut anywhere into
 * values a `Schema` has checked, and values back into framed bytes. JSON,
 * newline-delimited JSON, MessagePack and raw binary bodies, on any framer.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Framing from "./Framing.js"
import type { InvalidUtf8Error } from "./Utf8.js"
import * as internal from "./internal/framing/message.js"

/**
 * A pair of Stream pipelines plus a one-message encoder for values of type
 * `A`, whose schema needs the context `R`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Codec<A, R = never> {
  /** Bytes in any chunking -> one value per frame. Values before a bad frame are emitted, then the error. */
  readonly decode: <E, R2>(
    self: Stream.Stream<Uint8Array, E, R2>
  ) => Stream.Stream<A, E | Framing.FramingError | MessageDecodeError, R | R2>
  /** Values -> wire bytes, one element per message. A message that fails to encode writes nothing. */
  readonly encode: <E, R2>(
    self: Stream.Stream<A, E, R2>
  ) => Stream.Stream<Uint8Array, E | Framing.FramingError | MessageEncodeError, R | R2>
  /** One value -> its wire bytes (framed). */
  readonly encodeMessage: (message: A) => Effect.Effect<Uint8Array, Framing.FramingError | MessageEncodeError, R>
}

/**
 * A frame that is not a message: not UTF-8, not JSON, not MessagePack, or
 * not what the schema accepts.
 *
 * @since 0.2.0
 * @category errors
 */
export class MessageDecodeError extends Data.TaggedError("MessageDecodeError")<{
  /**
   * Which step failed: `"InvalidUtf8"` (a JSON frame, or a MessagePack
   * string, that is not UTF-8), `"InvalidJson"`, `"InvalidMsgPack"` (also
   * the never-used byte 0xC1, an extension other than the timestamp, a
   * `__proto__` map key), or `"Schema"` (well-formed, but not what the schema
   * accepts, or nested deeper than the schema's parser can recurse: the cause
   * is the `RangeError`).
   */
  readonly reason: "InvalidUtf8" | "InvalidJson" | "InvalidMsgPack" | "Schema"
  /** The frame's bytes, as the framer emitted them (framing header stripped). */
  readonly frame: Uint8Array
  /**
   * What failed: the `InvalidUtf8Error` (its `offset` is within `frame`), the
   * exception `JSON.parse` or msgpackr threw (or an `Error` saying what is not
   * standard MessagePack), Schema's `ParseError`, or a `RangeError` (too deep).
   */
  readonly cause: InvalidUtf8Error | ParseResult.ParseError | unknown
}> {
  override get message(): string {
    return `message frame of ${this.frame.length} bytes ${describeDecode[this.reason]}: ${causeMessage(this.cause)}`
  }
}

const describeDecode: Record<MessageDecodeError["reason"], string> = {
  InvalidUtf8: "is not valid UTF-8",
  InvalidJson: "is not valid JSON",
  InvalidMsgPack: "is not valid MessagePack",
  Schema: "does not match the schema"
}

/**
 * A value that cannot become a message. Nothing was written for it.
 *
 * @since 0.2.0
 * @category errors
 */
export class MessageEncodeError extends Data.TaggedError("MessageEncodeError")<{
  /**
   * Which step failed: `"Schema"` (the schema rejected the value, or it is
   * nested deeper than the schema's encoder can recurse: the cause is the
   * `RangeError`), `"InvalidJson"` (JSON cannot represent the encoded value
   * so that it decodes back the same: a cycle, a BigInt, NaN or ±Infinity,
   * a function or a symbol anywhere, `undefined` at the top or in an array,
   * a Map, a Set, a RegExp, an Error, a Promise, an ArrayBuffer or a typed
   * array, which `JSON.stringify` writes without their contents; a value with
   * a `toJSON` is written as it says, a Date as its ISO string, and any other
   * object as its own enumerable properties), or `"InvalidMsgPack"`
   * (standard MessagePack cannot: a cycle, a BigInt beyond 64 bits, a string
   * or key with a lone surrogate, a function, a symbol, `undefined` at the
   * top or in an array, an invalid Date, a Map, a Set, a RegExp, a typed
   * array other than `Uint8Array`, any other class instance, a `__proto__`
   * key). In both formats an `undefined` object property is left
   * out, as `Schema.optional` expects.
   */
  readonly reason: "Schema" | "InvalidJson" | "InvalidMsgPack"
  /** Schema's `ParseError`, or the exception the serializer threw. */
  readonly cause: ParseResult.ParseError | unknown
}> {
  override get message(): string {
    return `message ${describeEncode[this.reason]}: ${causeMessage(this.cause)}`
  }
}

const describeEncode: Record<MessageEncodeError["reason"], string> = {
  Schema: "rejected by the schema",
  InvalidJson: "cannot be written as JSON",
  InvalidMsgPack: "cannot be written as MessagePack"
}

const causeMessage = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)

/**
 * @since 0.2.0
 * @category models
 */
export interface FramedOptions {
  /** how messages are delimited on the wire; default `Framing.lengthPrefixed()` (4-byte big-endian length) */
  readonly framer?: Framing.Framer | undefined
}

/**
 * UTF-8 JSON, one value per frame (by default after a 4-byte big-endian
 * length).
 *
 * ```text
 *   +-------------+------------+        +-------------+
 *   | 00 00 00 0B | {"id":"é"} |  --->  | { id: "é" } |
 *   +-------------+------------+        +-------------+
 * ```
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Message } from "effect-net"
 *
 * const Ping = Schema.Struct({ id: Schema.Number, text: Schema.String })
 * const codec = Message.json(Ping)
 * // connection.read.pipe(codec.decode): Stream<{ id: number; text: string }, ...>
 * ```
 *
 * @example
 * ```ts
 * import { Effect, Schema, Stream } from "effect"
 * import { Message } from "effect-net"
 *
 * const Order = Schema.Struct({ id: Schema.Number, items: Schema.Array(Schema.String) })
 * const orders = Message.json(Order)
 *
 * // values -> framed wire bytes -> values again, checked by the schema
 * const roundTrip = Stream.make({ id: 1, items: ["tea"] }).pipe(orders.encode, orders.decode, Stream.runCollect)
 * console.log(Effect.runSync(roundTrip))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const json = <A, I, R>(schema: Schema.Schema<A, I, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.jsonFormat, options.framer ?? Framing.lengthPrefixed(), false)

/**
 * @since 0.2.0
 * @category models
 */
export interface NdjsonOptions {
  /** the longest line, line ending excluded; default 8 MiB */
  readonly maxLineBytes?: number | undefined
  /** skip empty lines (`\n\n`) instead of failing them as `InvalidJson`; default false */
  readonly ignoreEmptyLines?: boolean | undefined
}

/**
 * Newline-delimited JSON: one value per line, lines ending in `\n` or
 * `\r\n`; encoding ends each line with `\n`. A last line without a line
 * ending is a `TruncatedFrameError` (the peer may have been cut off). Unlike
 * `@effect/platform`'s `Ndjson`, a character split between TCP segments is
 * decoded whole, never as U+FFFD.
 *
 * ```text
 *   +-------------------------+        +----------+----------+
 *   | {"n":1}\n{"n":2}\r\n    |  --->  | { n: 1 } | { n: 2 } |
 *   +-------------------------+        +----------+----------+
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const ndjson = <A, I, R>(schema: Schema.Schema<A, I, R>, options: NdjsonOptions = {}): Codec<A, R> =>
  internal.make(
    schema,
    internal.jsonFormat,
    Framing.lines(options.maxLineBytes === undefined ? {} : { maxFrameLength: options.maxLineBytes }),
    options.ignoreEmptyLines ?? false
  )

/**
 * One MessagePack value per frame, in standard MessagePack (msgpackr without
 * its record extension, so any MessagePack peer can read it). Values are
 * what JSON has plus `Uint8Array` (as `bin`), `Date` (the timestamp
 * extension, -1), BigInt (64-bit integers) and NaN / ±Infinity; maps decode
 * as plain objects. Encoding refuses what would not decode back the same
 * (see `MessageEncodeError`); `-0` is written as the integer 0, as in JSON.
 * Decoding refuses what no standard encoder writes: the byte 0xC1, other
 * extensions (msgpackr's private ones included), ill-formed UTF-8 in a
 * string (`"InvalidUtf8"`, not U+FFFD) and a `__proto__` map key (msgpackr
 * would rename it; JSON keeps it as an own property, as `JSON.parse` does).
 *
 * @since 0.2.0
 * @category constructors
 */
export const msgpack = <A, I, R>(schema: Schema.Schema<A, I, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.msgpackFormat, options.framer ?? Framing.lengthPrefixed(), false)

/**
 * Frames as they are, through a schema whose encoded side is bytes (for
 * example from `Bytes.schema`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const binary = <A, R>(schema: Schema.Schema<A, Uint8Array, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.binaryFormat, options.framer ?? Framing.lengthPrefixed(), false)
