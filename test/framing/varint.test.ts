import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { bytes, cutAt, decode, decodeStream, encodeStream } from "../util/bytes.js"

const { FrameTooLargeError, MalformedFrameError, TruncatedFrameError } = Framing

const continuation = (n: number) => Array.from({ length: n }, () => 0x80)

describe("varint: frames", () => {
  it.effect("a one-byte length, and the 300-byte example (AC 02) from the docs", () =>
    Effect.gen(function*() {
      const body = "x".repeat(300)
      expect(yield* decode(Framing.varint(), ["\x03abc", "\xac\x02" + body])).toEqual({ frames: ["abc", body] })
      expect((yield* encodeStream(Framing.varint(), ["abc", body])).wire).toBe("\x03abc\xac\x02" + body)
    }))

  it.effect("a frame cut anywhere, including inside its varint", () =>
    Effect.gen(function*() {
      const body = "y".repeat(200)
      const wire = bytes("\xc8\x01", body, "\x00", "\x01z")
      expect(yield* decode(Framing.varint(), cutAt(wire, "bytewise"))).toEqual({ frames: [body, "", "z"] })
      expect(yield* decode(Framing.varint(), cutAt(wire, [1, 1, 2, 202, 203]))).toEqual({ frames: [body, "", "z"] })
    }))

  it.effect("zero-length frames are frames", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.varint(), ["\x00\x00", "\x00"])).toEqual({ frames: ["", "", ""] })
    }))

  it.effect("non-minimal varints are accepted, up to 10 bytes", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.varint(), ["\x83\x00abc"])).toEqual({ frames: ["abc"] })
      expect(yield* decode(Framing.varint(), ["\x80\x80\x80\x00"])).toEqual({ frames: [""] })
      expect(yield* decode(Framing.varint(), [bytes(continuation(9), [0], "\x81\x80\x00a")])).toEqual({
        frames: ["", "a"]
      })
    }))
})

describe("varint: MalformedFrameError", () => {
  it("encodeFrame takes a frame of exactly maxFrameLength bytes and refuses one more", () => {
    const framer = Framing.varint({ maxFrameLength: 3 })
    expect(framer.encodeFrame(bytes("abc"))).toEqual(Either.right(bytes([3], "abc")))
    expect(framer.encodeFrame(bytes("abcd"))).toEqual(Either.left(new FrameTooLargeError({ length: 4, maxFrameLength: 3 })))
  })


  it.effect("a varint longer than 10 bytes, known at the 10th byte while the stream is still open", () =>
    Effect.gen(function*() {
      const result = yield* decodeStream(
        Framing.varint(),
        Stream.concat(Stream.fromIterable(cutAt(bytes("\x01a", continuation(10)), "bytewise")), Stream.never)
      )
      expect(result.frames).toEqual(["a"])
      expect(result.error).toEqual(new MalformedFrameError({ reason: "varint length longer than 10 bytes" }))
    }))

  it.effect("an 11-byte non-minimal varint is malformed too", () =>
    Effect.gen(function*() {
      const result = yield* decode(Framing.varint(), [bytes(continuation(10), [0])])
      expect(result.error).toEqual(new MalformedFrameError({ reason: "varint length longer than 10 bytes" }))
    }))

  it.effect("a 10th byte carrying bits above 2^64 is malformed", () =>
    Effect.gen(function*() {
      const result = yield* decode(Framing.varint(), [bytes(continuation(9), [0x02])])
      expect(result).toMatchObject({ frames: [] })
      expect(result.error).toEqual(new MalformedFrameError({ reason: "varint length overflows 64 bits" }))
    }))
})

describe("varint: limits", () => {
  it.effect("a length over maxFrameLength fails on the varint, before the body", () =>
    Effect.gen(function*() {
      const framer = Framing.varint({ maxFrameLength: 3 })
      expect(yield* decode(framer, ["\x03abc\x04abcd"])).toEqual({
        frames: ["abc"],
        error: new FrameTooLargeError({ length: 4, maxFrameLength: 3 })
      })
      // 2^40 announced; only the varint has arrived and the stream stays open
      const huge = yield* decodeStream(
        Framing.varint(),
        Stream.concat(Stream.make(bytes("\x80\x80\x80\x80\x80\x20")), Stream.never)
      )
      expect(huge).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 2 ** 40, maxFrameLength: Framing.defaultMaxFrameLength })
      })
      // a maximal 10-byte varint (2^64 - 1) is a length, just too large
      const max = yield* decode(Framing.varint(), [bytes(Array.from({ length: 9 }, () => 0xff), [0x01])])
      expect(max.error).toBeInstanceOf(FrameTooLargeError)
    }))

  it.effect("onOversize skip drops the frame, also over many chunks, and goes on", () =>
    Effect.gen(function*() {
      const framer = Framing.varint({ maxFrameLength: 3, onOversize: "skip" })
      expect(yield* decode(framer, ["\x04abcd\x01x"])).toEqual({ frames: ["x"] })
      const wire = bytes("\x02hi", "\xc8\x01", "z".repeat(200), "\x00\x02ok")
      expect(yield* decode(framer, cutAt(wire, "bytewise"))).toEqual({ frames: ["hi", "", "ok"] })
      expect(yield* decode(framer, cutAt(wire, [4, 5, 100, 205]))).toEqual({ frames: ["hi", "", "ok"] })
    }))
  it.effect("a skipped frame whose 10-byte varint is above 2^53 still counts the bytes it received", () =>
    Effect.gen(function*() {
      const framer = Framing.varint({ onOversize: "skip" })
      const result = yield* decode(framer, [bytes("\xff".repeat(9), "\x01", "abc")])
      expect(result.error).toMatchObject({ _tag: "TruncatedFrameError", received: 13 })
    }))
})

describe("varint: leftovers at end of stream are TruncatedFrameError", () => {
  it.effect("a partial varint", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.varint(), ["\x01a\x80", "\x80"])).toEqual({
        frames: ["a"],
        error: new TruncatedFrameError({ received: 2 })
      })
    }))

  it.effect("a varint with a partial body, and a varint with no body", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.varint(), ["\x05ab"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 3, expected: 6, headerLength: 1 })
      })
      expect(yield* decode(Framing.varint(), ["\xac\x02"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 2, expected: 302, headerLength: 2 })
      })
    }))

  it.effect("inside a skipped frame", () =>
    Effect.gen(function*() {
      const framer = Framing.varint({ maxFrameLength: 3, onOversize: "skip" })
      expect(yield* decode(framer, ["\x09abc", "d"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 5, expected: 10, headerLength: 1 })
      })
    }))

  it.effect("an upstream error passes through unchanged", () =>
    Effect.gen(function*() {
      const upstream = Stream.concat(Stream.make(bytes("\x01a\x80")), Stream.fail("boom"))
      expect(yield* decodeStream(Framing.varint(), upstream)).toEqual({ frames: ["a"], error: "boom" })
    }))
})
