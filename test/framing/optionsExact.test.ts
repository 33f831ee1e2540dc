/**
 * Framer option errors, message by message (issue 12: the Stryker survivors
 * of options.ts): the programmer reads these, so each names the option, what
 * it accepts, and the value given.
 */
import { describe, expect, it } from "@effect/vitest"
import { IllegalArgumentException } from "effect/Cause"
import * as Framing from "../../src/Framing.js"

const thrown = (make: () => unknown): IllegalArgumentException => {
  try {
    make()
  } catch (error) {
    if (error instanceof IllegalArgumentException) return error
    throw error
  }
  throw new Error("expected an IllegalArgumentException")
}

describe("Framing option messages, exactly", () => {
  it.each([
    [() => Framing.lengthPrefixed({ byteOrder: "LE" as "little" }), "byteOrder must be \"big\" or \"little\", got LE"],
    [() => Framing.lines({ onOversize: "drop" as "skip" }), "onOversize must be \"fail\" or \"skip\", got drop"],
    [
      () => Framing.lengthPrefixed({ initialBytesToStrip: -1 }),
      "initialBytesToStrip must be an integer from 0 to 2^31 - 1, got -1"
    ],
    [
      () => Framing.lengthPrefixed({ lengthFieldOffset: 2 ** 31 }),
      "lengthFieldOffset must be an integer from 0 to 2^31 - 1, got 2147483648"
    ],
    [
      () => Framing.lengthPrefixed({ lengthAdjustment: 0.5 }),
      "lengthAdjustment must be an integer from -2147483648 to 2^31 - 1, got 0.5"
    ],
    [
      () => Framing.varint({ maxFrameLength: -1 }),
      "maxFrameLength must be a non-negative integer or Infinity, got -1"
    ],
    [
      () => Framing.delimited({ delimiter: ",", maxFrameLength: Number.NaN }),
      "maxFrameLength must be a non-negative integer or Infinity, got NaN"
    ],
    [() => Framing.lengthPrefixed({ lengthFieldLength: 5 as 4 }), "lengthFieldLength must be 1, 2, 3, 4 or 8, got 5"]
  ])("%#: %s", (make, message) => {
    expect(thrown(make).message).toBe(message)
  })
})
