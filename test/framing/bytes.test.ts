import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import { IllegalArgumentException } from "effect/Cause"
import * as Bytes from "../../src/Bytes.js"

const Header = Bytes.struct({ type: Bytes.u8, id: Bytes.u32be, value: Bytes.f32le, text: Bytes.utf8Rest })
const frame = Uint8Array.from([0x01, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0xc0, 0x3f, 0x68, 0x69])

const left = (got: Either.Either<unknown, Bytes.BytesError>): Bytes.BytesError => {
  if (Either.isRight(got)) throw new Error(`expected a BytesError, got ${String(got.right)}`)
  return got.left
}

const error = (reason: Bytes.BytesError["reason"], field: string, offset: number) =>
  expect.objectContaining({ _tag: "BytesError", reason, field, offset })

describe("Bytes", () => {
  it("the seed's header: [u8 type][u32 BE id][f32 LE value][utf8 text], with inferred field types", () => {
    const got = Bytes.decode(Header)(frame)
    expect(got).toStrictEqual(Either.right({ type: 1, id: 42, value: 1.5, text: "hi" }))
    expectTypeOf(got).toEqualTypeOf<
      Either.Either<{ readonly type: number; readonly id: number; readonly value: number; readonly text: string }, Bytes.BytesError>
    >()
    expectTypeOf(Bytes.decode(Bytes.struct({ inner: Bytes.struct({ n: Bytes.u64le }), raw: Bytes.bytes(2) }))).returns.toEqualTypeOf<
      Either.Either<{ readonly inner: { readonly n: bigint }; readonly raw: Uint8Array }, Bytes.BytesError>
    >()
    expect(Bytes.encode(Header)({ type: 1, id: 42, value: 1.5, text: "hi" })).toStrictEqual(Either.right(frame))
  })

  describe("the seed's Buffer section", () => {
    it("buf.writeUInt32BE(0xdeadbeef)", () => {
      const buf = Buffer.alloc(4)
      buf.writeUInt32BE(0xdeadbeef)
      const U32 = Bytes.struct({ v: Bytes.u32be })
      expect(Bytes.decode(U32)(buf)).toStrictEqual(Either.right({ v: 0xdeadbeef }))
      expect(Bytes.encode(U32)({ v: 0xdeadbeef })).toStrictEqual(Either.right(new Uint8Array(buf)))
    })

    it("buf.writeFloatLE(3.14159): rounded to a single both ways, as Math.fround", () => {
      const buf = Buffer.alloc(4)
      buf.writeFloatLE(3.14159)
      const F32 = Bytes.struct({ v: Bytes.f32le })
      expect(Bytes.decode(F32)(buf)).toStrictEqual(Either.right({ v: Math.fround(3.14159) }))
      expect(Bytes.encode(F32)({ v: 3.14159 })).toStrictEqual(Either.right(new Uint8Array(buf)))
    })

    it("buf.writeBigInt64LE(9007199254740991n)", () => {
      const buf = Buffer.alloc(8)
      buf.writeBigInt64LE(9007199254740991n)
      const I64 = Bytes.struct({ v: Bytes.i64le })
      expect(Bytes.decode(I64)(buf)).toStrictEqual(Either.right({ v: 9007199254740991n }))
      expect(Bytes.encode(I64)({ v: 9007199254740991n })).toStrictEqual(Either.right(new Uint8Array(buf)))
    })
  })

  it("a frame that is a view into a bigger chunk is read from its own first byte (the new DataView(frame.buffer) trap)", () => {
    const chunk = new Uint8Array(32).fill(0xee)
    chunk.set(frame, 7)
    const view = chunk.subarray(7, 7 + frame.length)
    expect(new DataView(view.buffer).getUint8(0)).toBe(0xee) // what the trap reads
    expect(Bytes.decode(Header)(view)).toStrictEqual(Either.right({ type: 1, id: 42, value: 1.5, text: "hi" }))
  })

  it("bytes fields are views into the frame; literals decode to their bytes", () => {
    const Packet = Bytes.struct({ magic: Bytes.literal([0xca, 0xfe]), key: Bytes.bytes(2), body: Bytes.bytesRest })
    const wire = Uint8Array.from([0xca, 0xfe, 1, 2, 3, 4, 5])
    const got = Either.getOrThrow(Bytes.decode(Packet)(wire))
    expect(got).toEqual({ magic: Uint8Array.from([0xca, 0xfe]), key: Uint8Array.from([1, 2]), body: Uint8Array.from([3, 4, 5]) })
    expect(got.key.buffer).toBe(wire.buffer)
    expect(Bytes.decode(Packet)(wire.subarray(0, 4))).toStrictEqual(
      Either.right({ magic: wire.subarray(0, 2), key: wire.subarray(2, 4), body: new Uint8Array(0) })
    )
  })

  it("nested structs: the error names the path", () => {
    const Packet = Bytes.struct({ header: Bytes.struct({ version: Bytes.u8, id: Bytes.u32le }), body: Bytes.utf8Rest })
    expect(Bytes.decode(Packet)(Uint8Array.from([2, 1, 0, 0, 0, 0x6f, 0x6b]))).toStrictEqual(
      Either.right({ header: { version: 2, id: 1 }, body: "ok" })
    )
    const truncated = left(Bytes.decode(Packet)(Uint8Array.from([2, 1, 0])))
    expect(truncated).toEqual(error("Truncated", "header.id", 1))
    expect(truncated.message).toBe(`frame ends early at byte offset 1, field "header.id": u32le needs 4 bytes, the frame has 2 left`)
    expect(left(Bytes.encode(Packet)({ header: { version: 2, id: -1 }, body: "" }))).toEqual(error("OutOfRange", "header.id", 1))
  })

  describe("decoding failures", () => {
    it("Truncated: an empty frame, and one cut inside a field", () => {
      expect(left(Bytes.decode(Header)(new Uint8Array(0)))).toEqual(error("Truncated", "type", 0))
      expect(left(Bytes.decode(Header)(frame.subarray(0, 8)))).toEqual(error("Truncated", "value", 5))
    })

    it("TrailingBytes: where the extra bytes start, after the last field", () => {
      const Pair = Bytes.struct({ a: Bytes.u16be, b: Bytes.u8 })
      const got = left(Bytes.decode(Pair)(Uint8Array.from([0, 1, 2, 3, 4])))
      expect(got).toEqual(error("TrailingBytes", "b", 3))
      expect(got.message).toBe(`2 bytes left over after the last field ("b"), at byte offset 3`)
      expect(left(Bytes.decode(Bytes.struct({}))(Uint8Array.from([9])))).toEqual(error("TrailingBytes", "", 0))
    })

    it("InvalidUtf8: the offset of the bad sequence in the frame, for utf8(n) and utf8Rest", () => {
      const got = left(Bytes.decode(Header)(Uint8Array.from([...frame.subarray(0, 9), 0x61, 0xe2, 0x82, 0x41])))
      expect(got).toEqual(error("InvalidUtf8", "text", 10))
      expect(got.message).toBe(`invalid UTF-8 at byte offset 10, field "text": not a well-formed UTF-8 sequence`)
      const Name = Bytes.struct({ len: Bytes.u8, name: Bytes.utf8(3), rest: Bytes.bytesRest })
      // an overlong "/" and a character cut by the field's end
      expect(left(Bytes.decode(Name)(Uint8Array.from([3, 0xc0, 0xaf, 0x61])))).toEqual(error("InvalidUtf8", "name", 1))
      expect(left(Bytes.decode(Name)(Uint8Array.from([3, 0x61, 0x62, 0xc3, 0xa9])))).toEqual(error("InvalidUtf8", "name", 3))
    })

    it("a byte order mark is text, as in Utf8", () => {
      const Text = Bytes.struct({ text: Bytes.utf8Rest })
      expect(Bytes.decode(Text)(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toStrictEqual(Either.right({ text: "\ufeffa" }))
    })

    it("Literal: other bytes where the magic number should be", () => {
      const Png = Bytes.struct({ magic: Bytes.literal([0x89, 0x50, 0x4e, 0x47]), width: Bytes.u32be })
      const got = left(Bytes.decode(Png)(Uint8Array.from([0x89, 0x50, 0x4e, 0x48, 0, 0, 0, 1])))
      expect(got).toEqual(error("Literal", "magic", 0))
      expect(got.message).toBe(`literal mismatch at byte offset 0, field "magic": expected 89 50 4e 47, got 89 50 4e 48`)
    })
  })

  describe("OutOfRange on encode, where Buffer throws a RangeError and DataView wraps", () => {
    it("the baseline: Node's Buffer and DataView on a u8 of 256", () => {
      expect(() => Buffer.alloc(1).writeUInt8(256)).toThrow(RangeError)
      const view = new DataView(new ArrayBuffer(1))
      view.setUint8(0, 256)
      expect(view.getUint8(0)).toBe(0)
    })

    const cases: ReadonlyArray<readonly [string, Bytes.Field<unknown>, unknown]> = [
      ["u8 of 256", Bytes.u8, 256],
      ["u8 of -1", Bytes.u8, -1],
      ["u8 of 1.5", Bytes.u8, 1.5],
      ["u8 of NaN", Bytes.u8, NaN],
      ["u8 of Infinity", Bytes.u8, Infinity],
      ["u8 of a string", Bytes.u8, "1"],
      ["u8 of a bigint", Bytes.u8, 1n],
      ["i8 of 128", Bytes.i8, 128],
      ["i8 of -129", Bytes.i8, -129],
      ["u16be of 65536", Bytes.u16be, 65536],
      ["i16le of -32769", Bytes.i16le, -32769],
      ["u32le of 2^32", Bytes.u32le, 2 ** 32],
      ["u32be of NaN", Bytes.u32be, NaN],
      ["i32be of 2^31", Bytes.i32be, 2 ** 31],
      ["i32le of -2^31 - 1", Bytes.i32le, -(2 ** 31) - 1],
      ["u64be of 2^64", Bytes.u64be, 2n ** 64n],
      ["u64le of -1n", Bytes.u64le, -1n],
      ["u64be of a number", Bytes.u64be, 1],
      ["i64be of 2^63", Bytes.i64be, 2n ** 63n],
      ["i64le of -2^63 - 1", Bytes.i64le, -(2n ** 63n) - 1n],
      ["f64be of a bigint", Bytes.f64be, 1n],
      ["f32le of a string", Bytes.f32le, "1.5"],
      ["bytes(2) of 3 bytes", Bytes.bytes(2), Uint8Array.from([1, 2, 3])],
      ["bytes(2) of an array", Bytes.bytes(2), [1, 2]],
      ["bytesRest of a string", Bytes.bytesRest, "ab"],
      ["utf8(2) of 3 bytes of text", Bytes.utf8(2), "abc"],
      ["utf8(2) of 1 byte of text", Bytes.utf8(2), "a"],
      ["utf8(2) of an é and an a (3 bytes)", Bytes.utf8(2), "éa"],
      ["utf8Rest of a number", Bytes.utf8Rest, 1],
      ["literal of other bytes", Bytes.literal([1, 2]), Uint8Array.from([1, 3])],
      ["literal of too few bytes", Bytes.literal([1, 2]), Uint8Array.from([1])],
      ["a struct of null", Bytes.struct({ a: Bytes.u8 }), null],
      ["a struct missing a field", Bytes.struct({ a: Bytes.u8 }), {}]
    ]
    for (const [name, field, value] of cases) {
      it(name, () => {
        const Record = Bytes.struct({ before: Bytes.u16le, v: field })
        const got = left(Bytes.encode(Record)({ before: 0, v: value }))
        expect(got.reason).toBe("OutOfRange")
        expect(got.field).toMatch(/^v(\.a)?$/)
        expect(got.offset).toBe(2)
        expect(got.message).toContain(`value out of range at byte offset 2, field "${got.field}": expected`)
      })
    }

    it("messages say what was expected and what came", () => {
      const got = left(Bytes.encode(Bytes.struct({ n: Bytes.u64be }))({ n: 2n ** 64n }))
      expect(got.message).toBe(
        `value out of range at byte offset 0, field "n": expected a bigint from 0 to 18446744073709551615 for u64be, got 18446744073709551616n`
      )
      const text = left(Bytes.encode(Bytes.struct({ s: Bytes.utf8(2) }))({ s: "abc" }))
      expect(text.detail).toBe("expected exactly 2 bytes of UTF-8 for utf8(2), got a string of 3")
    })

    it("a lone surrogate is InvalidUtf8 at its byte offset: UTF-8 cannot carry it", () => {
      const Text = Bytes.struct({ id: Bytes.u8, text: Bytes.utf8Rest })
      expect(left(Bytes.encode(Text)({ id: 1, text: "aé\ud800b" }))).toEqual(error("InvalidUtf8", "text", 4))
      expect(left(Bytes.encode(Text)({ id: 1, text: "\udc00" }))).toEqual(error("InvalidUtf8", "text", 1))
      expect(Bytes.encode(Text)({ id: 1, text: "😀" })).toStrictEqual(Either.right(Uint8Array.from([1, 0xf0, 0x9f, 0x98, 0x80])))
    })
  })

  describe("struct definitions that cannot work throw at once", () => {
    it("a rest field before the last", () => {
      expect(() => Bytes.struct({ body: Bytes.bytesRest, crc: Bytes.u32be })).toThrow(IllegalArgumentException)
      expect(() => Bytes.struct({ inner: Bytes.struct({ text: Bytes.utf8Rest }), crc: Bytes.u8 })).toThrow(
        /field "inner" \(struct\) takes the rest of the frame/
      )
    })

    it("an array-index key, which JavaScript would enumerate first", () => {
      expect(() => Bytes.struct({ b: Bytes.u8, 1: Bytes.u8 })).toThrow(IllegalArgumentException)
      expect(() => Bytes.struct({ ["__proto__"]: Bytes.u8 })).toThrow(/__proto__/)
    })

    it("a literal of values that are not bytes (Uint8Array.from would wrap them)", () => {
      expect(() => Bytes.literal([256, -1])).toThrow(IllegalArgumentException)
      expect(() => Bytes.literal([1.5])).toThrow(/Bytes.literal: 1.5 at index 0 is not a byte/)
      expect(() => Bytes.literal([0, 255])).not.toThrow()
    })

    it("a negative or fractional length", () => {
      expect(() => Bytes.bytes(-1)).toThrow(IllegalArgumentException)
      expect(() => Bytes.utf8(1.5)).toThrow(IllegalArgumentException)
    })
  })

  describe("schema", () => {
    const HeaderSchema = Bytes.schema(Header)

    it("decodes and encodes with Schema", () => {
      expect(Schema.decodeUnknownSync(HeaderSchema)(frame)).toStrictEqual({ type: 1, id: 42, value: 1.5, text: "hi" })
      expect(Schema.encodeSync(HeaderSchema)({ type: 1, id: 42, value: 1.5, text: "hi" })).toStrictEqual(frame)
      expect(Schema.is(HeaderSchema)({ type: 1, id: 42, value: 1.5, text: "hi" })).toBe(true)
      expect(Schema.is(HeaderSchema)({ type: 1, id: -42, value: 1.5, text: "hi" })).toBe(false)
    })

    it("a decoding failure is a ParseError carrying the BytesError's message", () => {
      const expected = left(Bytes.decode(Header)(frame.subarray(0, 3))).message
      const got = Schema.decodeUnknownEither(HeaderSchema)(frame.subarray(0, 3))
      expect(Either.isLeft(got) && ParseResult.isParseError(got.left)).toBe(true)
      expect(Either.isLeft(got) && got.left.message).toContain(expected)
      expect(Either.isLeft(Schema.decodeUnknownEither(HeaderSchema)("not bytes"))).toBe(true)
    })

    it("an encoding failure is a ParseError carrying the BytesError's message", () => {
      const value = { type: 256, id: 42, value: 1.5, text: "hi" }
      const expected = left(Bytes.encode(Header)(value)).message
      const got = Schema.encodeEither(HeaderSchema)(value)
      expect(Either.isLeft(got) && got.left.message).toContain(expected)
      expect(Either.isLeft(Schema.encodeEither(HeaderSchema)({ type: 1, id: 42, value: 1.5, text: "\ud800" }))).toBe(true)
    })
  })
})
