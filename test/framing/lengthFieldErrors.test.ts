import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"
import { layout } from "../../src/internal/framing/lengthField.js"
import { maxBufferLength } from "../../src/internal/framing/options.js"
import { bytes, cutAt, decode, latin1 } from "../util/bytes.js"

const { FrameTooLargeError, MalformedFrameError } = Framing

const encodeFrame = (framer: Framing.Framer, frame: string | Uint8Array) =>
  Either.map(framer.encodeFrame(bytes(frame)), latin1)

// Each error of the length-field framer compared whole (reason included), so a check that is
// dropped, loosened by one, or that reports another check's reason fails here.
describe("lengthPrefixed: decode errors, exactly", () => {
  it.effect("a length field whose adjustment makes the body negative", () =>
    Effect.gen(function*() {
      const error = new MalformedFrameError({
        reason: "length field 1 with lengthAdjustment -4 gives a negative body length"
      })
      // stripped header: without the negative-body check the size check below would report it
      const stripped = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -4 })
      expect(yield* decode(stripped, ["\x00\x01xyz"])).toEqual({ frames: [], error })
      // kept header (nothing stripped): without the check the size, -1, would pass the strip check
      const kept = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -4, initialBytesToStrip: 0 })
      expect(yield* decode(kept, ["\x00\x01xyz"])).toEqual({ frames: [], error })
      // the boundary: a body of zero bytes is fine
      expect(yield* decode(kept, ["\x00\x04"])).toEqual({ frames: ["\x00\x04"] })
    }))

  it.effect("a frame shorter than initialBytesToStrip, whole or byte by byte", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, initialBytesToStrip: 6 })
      const error = new MalformedFrameError({ reason: "frame of 4 bytes is shorter than initialBytesToStrip (6)" })
      expect(yield* decode(framer, ["\x00\x02ab"])).toEqual({ frames: [], error })
      expect(yield* decode(framer, cutAt(bytes("\x00\x02ab"), "bytewise"))).toEqual({ frames: [], error })
      // exactly initialBytesToStrip bytes: an empty frame
      expect(yield* decode(framer, ["\x00\x04abcd"])).toEqual({ frames: [""] })
    }))
})

describe("lengthPrefixed: encode errors, exactly", () => {
  it("a length that does not fit the field", () => {
    const oneByte = Framing.lengthPrefixed({ lengthFieldLength: 1 })
    expect(encodeFrame(oneByte, new Uint8Array(256))).toEqual(
      Either.left(new MalformedFrameError({ reason: "length 256 does not fit a 1-byte length field" }))
    )
    // the adjustment promises 2 bytes the frame does not have: the field would be negative
    const adjusted = Framing.lengthPrefixed({ lengthFieldLength: 1, lengthAdjustment: 2 })
    expect(encodeFrame(adjusted, "a")).toEqual(
      Either.left(new MalformedFrameError({ reason: "length -1 does not fit a 1-byte length field" }))
    )
  })

  it("a kept header after a partial strip: the frame must carry the header bytes that were not stripped", () => {
    // header: 1 byte, then a 2-byte length field; the first byte is stripped, the length field kept
    const framer = Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 1 })
    expect(encodeFrame(framer, "\xff")).toEqual(
      Either.left(new MalformedFrameError({ reason: "frame of 1 bytes is shorter than the 2 header bytes it must carry" }))
    )
    // two bytes carry the length field exactly: the stripped byte comes back as 0, the field says 0
    expect(encodeFrame(framer, "\xff\xff")).toEqual(Either.right("\x00\x00\x00"))
    expect(encodeFrame(framer, "\xff\xffab")).toEqual(Either.right("\x00\x00\x02ab"))
  })

  it("the limit is checked before the header", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 3 })
    expect(encodeFrame(framer, "abcd")).toEqual(Either.left(new FrameTooLargeError({ length: 4, maxFrameLength: 3 })))
    expect(encodeFrame(framer, "abc")).toEqual(Either.right("\x03abc"))
  })

  // A frame this large cannot be allocated in a test: the check reads only `length`.
  it("a frame whose wire bytes would exceed the largest buffer", () => {
    const check = layout({
      lengthFieldOffset: 0,
      lengthFieldLength: 8,
      littleEndian: false,
      lengthAdjustment: 0,
      initialBytesToStrip: 8,
      maxFrameLength: maxBufferLength
    }).check
    const ofLength = (length: number) => ({ length }) as Uint8Array
    expect(check(ofLength(maxBufferLength - 8))).toBeUndefined()
    expect(check(ofLength(maxBufferLength - 7))).toEqual(
      new MalformedFrameError({ reason: `a frame of ${maxBufferLength + 1} bytes on the wire cannot be allocated` })
    )
  })
})
