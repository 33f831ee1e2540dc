import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { bytes, counting, decode, decodeStream, latin1 } from "../util/bytes.js"

const { TruncatedFrameError } = Framing

describe("Netty FixedLengthFrameDecoder", () => {
  it.effect("Netty FixedLengthFrameDecoder javadoc: A | BC | DEFG | HI -> ABC | DEF | GHI", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.fixedLength(3), ["A", "BC", "DEFG", "HI"])).toEqual({
        frames: ["ABC", "DEF", "GHI"]
      })
    }))

  // netty/netty has no FixedLengthFrameDecoderTest; the widely copied one is Listing 9.2 of
  // "Netty in Action" (Norman Maurer): 9 bytes 0..8 into frames of 3.
  it.effect("Netty in Action FixedLengthFrameDecoderTest.testFramesDecoded", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.fixedLength(3), [counting(9)])).toEqual({
        frames: ["\x00\x01\x02", "\x03\x04\x05", "\x06\x07\x08"]
      })
    }))

  it.effect("Netty in Action FixedLengthFrameDecoderTest.testFramesDecoded2", () =>
    Effect.gen(function*() {
      const input = counting(9)
      expect(yield* decode(Framing.fixedLength(3), [input.subarray(0, 2), input.subarray(2)])).toEqual({
        frames: ["\x00\x01\x02", "\x03\x04\x05", "\x06\x07\x08"]
      })
    }))
})

describe("fixedLength", () => {
  it.effect("a short last frame is TruncatedFrameError with the size expected", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.fixedLength(3), ["ABCD", "E"])).toEqual({
        frames: ["ABC"],
        error: new TruncatedFrameError({ received: 2, expected: 3, headerLength: 0 })
      })
    }))

  it.effect("frames of one byte, and an empty input", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.fixedLength(1), ["ab", "", "c"])).toEqual({ frames: ["a", "b", "c"] })
      expect(yield* decode(Framing.fixedLength(4), [])).toEqual({ frames: [] })
    }))

  it("a size that is not a positive integer is refused", () => {
    for (const size of [0, -1, 1.5]) {
      expect(() => Framing.fixedLength(size)).toThrow(Cause.IllegalArgumentException)
      expect(() => Framing.fixedLength(size)).toThrow(new RegExp(`^size must be a positive integer no larger than \\d+, got ${size}$`))
    }
  })

  it.effect("a frame inside one chunk is a view; a frame across chunks is an exactly-sized copy", () =>
    Effect.gen(function*() {
      const first = bytes("abcdefgh")
      const second = bytes("i")
      const frames = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Framing.fixedLength(3).decode(Stream.fromIterable([first, second])))
      )
      expect(frames.map(latin1)).toEqual(["abc", "def", "ghi"])
      expect(frames[0]!.buffer).toBe(first.buffer)
      expect(frames[1]!.buffer).toBe(first.buffer)
      expect(frames[2]!.buffer).not.toBe(first.buffer)
      expect(frames[2]!.byteLength).toBe(3) // one copy, in unzeroed pooled memory (not necessarily a buffer of its own)
    }))

  it.effect("an upstream error passes through unchanged", () =>
    Effect.gen(function*() {
      const upstream = Stream.concat(Stream.make(bytes("abcd")), Stream.fail("boom"))
      expect(yield* decodeStream(Framing.fixedLength(3), upstream)).toEqual({ frames: ["abc"], error: "boom" })
    }))
})
