import { describe, expect, it } from "@effect/vitest"
import { IllegalArgumentException } from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Framing from "../../src/Framing.js"
import { bytes, decode } from "../util/bytes.js"

// Options are the programmer's, not the peer's: a wrong one is a thrown IllegalArgumentException at
// construction, never a defect later in the stream.
describe("Framing options", () => {
  const invalid: ReadonlyArray<readonly [string, () => unknown]> = [
    ["lengthFieldLength 5", () => Framing.lengthPrefixed({ lengthFieldLength: 5 as 4 })],
    ["byteOrder \"LE\"", () => Framing.lengthPrefixed({ byteOrder: "LE" as "little" })],
    ["onOversize \"drop\"", () => Framing.lines({ onOversize: "drop" as "skip" })],
    ["negative initialBytesToStrip", () => Framing.lengthPrefixed({ initialBytesToStrip: -1 })],
    ["initialBytesToStrip beyond Netty's int range", () => Framing.lengthPrefixed({ initialBytesToStrip: 2 ** 33 })],
    ["lengthFieldOffset beyond Netty's int range", () => Framing.lengthPrefixed({ lengthFieldOffset: 2 ** 31 })],
    ["lengthAdjustment near -2^53 (a double can no longer add lengths exactly)", () =>
      Framing.lengthPrefixed({ lengthFieldLength: 8, lengthAdjustment: -(2 ** 53 - 1) })],
    ["fractional lengthAdjustment", () => Framing.lengthPrefixed({ lengthAdjustment: 0.5 })],
    ["negative maxFrameLength", () => Framing.varint({ maxFrameLength: -1 })],
    ["NaN maxFrameLength", () => Framing.delimited({ delimiter: ",", maxFrameLength: Number.NaN })],
    ["empty delimiter", () => Framing.delimited({ delimiter: "" })],
    ["fixedLength(0)", () => Framing.fixedLength(0)],
    ["fixedLength larger than any buffer", () => Framing.fixedLength(2 ** 50)]
  ]
  for (const [name, make] of invalid) {
    it(`${name} throws IllegalArgumentException`, () => {
      expect(make).toThrow(IllegalArgumentException)
    })
  }

  it("the int32 bounds themselves are accepted", () => {
    expect(() => Framing.lengthPrefixed({ lengthAdjustment: -(2 ** 31), initialBytesToStrip: 2 ** 31 - 1 })).not.toThrow()
  })

  it.effect("maxFrameLength Infinity: no limit of our own, Node's largest buffer still is", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 8, maxFrameLength: Number.POSITIVE_INFINITY })
      expect(yield* decode(framer, [bytes([0, 0, 0, 0, 0, 0, 0, 3], "abc")])).toEqual({ frames: ["abc"] })
      const huge = yield* decode(framer, [bytes([0, 0, 1, 0, 0, 0, 0, 0])])
      expect(huge.error).toMatchObject({ _tag: "FrameTooLargeError", length: 2 ** 40 })
    }))
})
