/**
 * Bytes leaf fields, checked exactly (issue 12: the Stryker survivors of
 * bytesFields.ts): lone-surrogate offsets after characters of every UTF-8
 * width, literal checks and messages, byte-array validation, messages.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Bytes from "../../src/Bytes.js"

const left = (got: Either.Either<unknown, Bytes.BytesError>): Bytes.BytesError => {
  if (Either.isRight(got)) throw new Error(`expected a BytesError, got ${String(got.right)}`)
  return got.left
}

const Text = Bytes.struct({ text: Bytes.utf8Rest })

describe("Bytes leaf fields, exactly", () => {
  it.each([
    ["\u007f\ud800", 1],
    ["\u0080\ud800", 2],
    ["\u07ff\ud800", 2],
    ["\u0800\ud800", 3],
    ["\ud7ff\ud800", 3],
    ["\ue000\ud800", 3],
    ["\uffff\ud800", 3],
    ["\ud800\udc00\ud800", 4],
    ["\udbff\udfff\udc00", 4],
    ["a\ud83d\ude00b\udfff", 6],
    ["ab\udc00\ud800", 2],
    ["a\ud800\udbff", 1],
    ["a\udc00", 1],
    ["a\udc00\udc00", 1],
    ["a\ud800\ue000", 1],
    ["é\ud800", 2]
  ])("a lone surrogate in %j is InvalidUtf8 at byte %i", (text, offset) => {
    const got = left(Bytes.encode(Text)({ text }))
    expect(got).toMatchObject({ _tag: "BytesError", reason: "InvalidUtf8", field: "text", offset })
    expect(got.detail).toBe("the string has a lone surrogate, which UTF-8 cannot encode")
  })

  it("a well-formed string with every UTF-8 width is written as Buffer writes it", () => {
    const text = "a\u0080\u07ff\u0800\ud7ff\ue000\uffff\ud800\udc00\udbff\udfff"
    expect(Bytes.encode(Text)({ text })).toStrictEqual(Either.right(Uint8Array.from(Buffer.from(text, "utf8"))))
  })

  it("a literal is encoded only from exactly its bytes, as a Uint8Array", () => {
    const Magic = Bytes.struct({ magic: Bytes.literal([0xca, 0xfe]) })
    expect(Bytes.encode(Magic)({ magic: Uint8Array.of(0xca, 0xfe) })).toStrictEqual(Either.right(Uint8Array.of(0xca, 0xfe)))
    const longer = left(Bytes.encode(Magic)({ magic: Uint8Array.of(0xca, 0xfe, 0x00) }))
    expect(longer).toMatchObject({ reason: "OutOfRange", field: "magic", offset: 0 })
    expect(longer.detail).toBe("expected the literal ca fe, got ca fe 00")
    const array = left(Bytes.encode(Magic)({ magic: [0xca, 0xfe] as unknown as Uint8Array }))
    expect(array).toMatchObject({ reason: "OutOfRange", field: "magic", offset: 0 })
  })

  it("a literal mismatch after other fields shows the bytes found there, two hex digits each", () => {
    const Framed = Bytes.struct({ id: Bytes.u8, magic: Bytes.literal([0x0a, 0x0b]) })
    const got = left(Bytes.decode(Framed)(Uint8Array.of(0x01, 0x0a, 0x0c)))
    expect(got).toMatchObject({ reason: "Literal", field: "magic", offset: 1 })
    expect(got.detail).toBe("expected 0a 0b, got 0a 0c")
  })

  it("literal values must each be an integer from 0 to 255", () => {
    expect(() => Bytes.literal([256])).toThrow("Bytes.literal: 256 at index 0 is not a byte (an integer from 0 to 255)")
    expect(() => Bytes.literal([0, -1])).toThrow("Bytes.literal: -1 at index 1 is not a byte (an integer from 0 to 255)")
    expect(() => Bytes.literal([0.5])).toThrow("Bytes.literal: 0.5 at index 0 is not a byte")
    expect(Bytes.encode(Bytes.struct({ m: Bytes.literal([0, 255]) }))({ m: Uint8Array.of(0, 255) })).toStrictEqual(
      Either.right(Uint8Array.of(0, 255))
    )
  })

  it("a length that is not a non-negative integer is refused with its value", () => {
    expect(() => Bytes.bytes(-1)).toThrow("Bytes.bytes: the length must be a non-negative integer, got -1")
    expect(() => Bytes.utf8(1.5)).toThrow("Bytes.utf8: the length must be a non-negative integer, got 1.5")
  })
})

describe("Bytes field kinds in messages", () => {
  it("int, float and rest fields name what they expected", () => {
    expect(left(Bytes.encode(Bytes.struct({ n: Bytes.u8 }))({ n: 256 })).detail).toBe("expected an integer from 0 to 255 for u8, got 256")
    expect(left(Bytes.encode(Bytes.struct({ x: Bytes.f32le }))({ x: "1" as unknown as number })).detail).toBe(
      `expected a number for f32le, got "1"`
    )
    expect(left(Bytes.encode(Text)({ text: 5 as unknown as string })).detail).toBe("expected a string for utf8Rest, got 5")
  })

  it("a truncated literal names it with its bytes", () => {
    const got = left(Bytes.decode(Bytes.struct({ magic: Bytes.literal([0xca, 0xfe]) }))(Uint8Array.of(0xca)))
    expect(got.detail).toBe("literal(ca fe) needs 2 bytes, the frame has 1 left")
  })
})
