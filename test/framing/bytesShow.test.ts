/**
 * How Bytes messages show a value, and struct-level checks (issue 12: the
 * Stryker survivors of internal/framing/bytes.ts): strings quoted and cut at
 * 32 characters, null, byte arrays by length, anything else by its type; a
 * struct given a non-object says so at the struct, not at its first field.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, pipe } from "effect"
import { IllegalArgumentException } from "effect/Cause"
import * as Bytes from "../../src/Bytes.js"
import { numberFields } from "../util/bytesFields.js"

const detail = (got: Either.Either<unknown, Bytes.BytesError>): string => {
  if (Either.isRight(got)) throw new Error("expected a BytesError")
  return got.left.detail
}

const Byte = Bytes.struct({ n: Bytes.u8 })
const shown = (value: unknown): string => detail(Bytes.encode(Byte)({ n: value as number }))

describe("Bytes: values in messages", () => {
  it.each([
    ["a".repeat(32), "\"" + "a".repeat(32) + "\""],
    ["a".repeat(33), "\"" + "a".repeat(32) + "…\""],
    ["é\"" + "b".repeat(40), "\"é\\\"" + "b".repeat(30) + "…\""],
    [null, "null"],
    [Uint8Array.of(1, 2, 3), "3 bytes"],
    [true, "a boolean"],
    [() => 1, "a function"],
    [Symbol("s"), "a symbol"],
    [{}, "an object"],
    [[1], "an object"],
    [undefined, "undefined"],
    [1.5, "1.5"],
    [256n, "256n"]
  ])("%#: shown as %s", (value, text) => {
    expect(shown(value)).toBe(`expected an integer from 0 to 255 for u8, got ${text}`)
  })

  it.each([
    [5, "5"],
    [null, "null"],
    ["x", "\"x\""]
  ])("a nested struct given %j: rejected at the struct, with its field names", (value, text) => {
    const Outer = Bytes.struct({ id: Bytes.u8, inner: Bytes.struct({ a: Bytes.u8, b: Bytes.u16be }) })
    const got = Bytes.encode(Outer)({ id: 1, inner: value as never })
    expect(Either.isLeft(got) && got.left).toMatchObject({ reason: "OutOfRange", field: "inner", offset: 1 })
    expect(detail(got)).toBe(`expected an object with fields a, b, got ${text}`)
  })

  it("a value that is not in a struct: the message names no field", () => {
    const got = Bytes.encode(Byte)(7 as never)
    expect(Either.isLeft(got) && got.left).toMatchObject({ reason: "OutOfRange", field: "", offset: 0 })
    expect(Either.isLeft(got) && got.left.message).toBe(
      "value out of range at byte offset 0: expected an object with fields n, got 7"
    )
  })

  it("bytes left over: one byte is singular; a struct without fields names none", () => {
    const one = Bytes.decode(Bytes.struct({ a: Bytes.u8 }))(Uint8Array.of(1, 2))
    expect(Either.isLeft(one) && one.left.message).toBe("1 byte left over after the last field (\"a\"), at byte offset 1")
    const none = Bytes.decode(Bytes.struct({}))(Uint8Array.of(1, 2))
    expect(Either.isLeft(none) && none.left).toMatchObject({ reason: "TrailingBytes", field: "" })
    expect(Either.isLeft(none) && none.left.message).toBe("2 bytes left over after the last field, at byte offset 0")
  })

  it("a field name that is an array index is refused, with the name", () => {
    try {
      Bytes.struct({ "10": Bytes.u8 })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalArgumentException)
      expect((error as Error).message).toBe(
        "Bytes.struct: field name \"10\" is an array index; its order would not be the written one"
      )
    }
  })

  it("a field is Pipeable and prints as its kind", () => {
    expect(Bytes.u8.pipe((field) => field.kind)).toBe("u8")
    expect(pipe(Bytes.u16be, (field) => field.size)).toBe(2)
    expect(String(Bytes.u32le)).toBe("u32le")
    expect(`${Bytes.struct({ a: Bytes.u8 })}`).toBe("struct")
  })

  it.each(numberFields.map((f) => [f.name, f] as const))("%s: its kind is its name, in messages too", (name, { field, size }) => {
    expect(field).toMatchObject({ kind: name, size })
    const got = Bytes.encode(Bytes.struct({ x: field }))({ x: "no" as never })
    expect(Either.isLeft(got) && got.left.detail).toMatch(new RegExp(` for ${name}, got "no"$`))
  })
})
