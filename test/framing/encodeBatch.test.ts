import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { concat } from "../../src/internal/testing.js"
import { latin1 } from "../util/bytes.js"

const KiB = 1024

/** encode `chunks` (each a Stream chunk of frames): the output elements, and the error if any */
const encodeChunks = (framer: Framing.Framer, chunks: ReadonlyArray<ReadonlyArray<Uint8Array>>) =>
  Stream.fromChunks(...chunks.map((frames) => Chunk.unsafeFromArray(frames.slice()))).pipe(
    framer.encode,
    Stream.either,
    Stream.runCollect,
    Effect.map((items) => {
      const out: Array<Uint8Array> = []
      let error: unknown
      for (const item of Chunk.toReadonlyArray(items)) Either.isRight(item) ? out.push(item.right) : (error = item.left)
      return { out, error }
    })
  )

const filled = (n: number, byte: number) => new Uint8Array(n).fill(byte)

describe("batched encoding (issue 9: one allocation per output chunk, large frames uncopied)", () => {
  it.effect("the small frames of a Stream chunk go out as one buffer", () =>
    Effect.gen(function*() {
      const frames = Array.from({ length: 100 }, (_, i) => filled(64, i))
      const { out } = yield* encodeChunks(Framing.lengthPrefixed(), [frames, frames.slice(0, 3)])
      expect(out.length).toBe(2)
      expect(out[0]!.length).toBe(100 * 68)
      expect(out[1]!.length).toBe(3 * 68)
    }))

  it.effect("a frame of 16 KiB or more goes out as itself, between its header and (lines) its trailer", () =>
    Effect.gen(function*() {
      const large = filled(16 * KiB, 0x61)
      const { out } = yield* encodeChunks(Framing.lengthPrefixed({ lengthFieldLength: 2 }), [[filled(3, 0x62), large, filled(1, 0x63)]])
      expect(out.map((piece) => piece.length)).toEqual([5 + 2, 16 * KiB, 3])
      expect(out[1]).toBe(large)
      expect(latin1(out[0]!)).toBe("\x00\x03bbb\x40\x00")

      const lines = yield* encodeChunks(Framing.lines(), [[large, filled(1, 0x63)], [large]])
      expect(lines.out.map((piece) => piece.length)).toEqual([16 * KiB, 3, 16 * KiB, 1])
      expect(lines.out[0]).toBe(large)
      expect(latin1(lines.out[1]!)).toBe("\nc\n")
    }))

  it.effect("a length field kept in the frame is overwritten in a copy: the caller's frame is never changed", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0 })
      const large = filled(20 * KiB, 0x61)
      const { out } = yield* encodeChunks(framer, [[large]])
      expect(out.length).toBe(1)
      expect(out[0]).not.toBe(large)
      expect(Array.from(out[0]!.subarray(0, 3))).toEqual([0x50, 0x00, 0x61])
      expect(large[0]).toBe(0x61)
    }))

  it.effect("a refused frame: the frames before it go out, in one buffer, nothing of it", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\0", maxFrameLength: 4 })
      const { out, error } = yield* encodeChunks(framer, [[filled(2, 0x61), filled(1, 0x62), filled(5, 0x63), filled(1, 0x64)]])
      expect(out.map(latin1)).toEqual(["aa\0b\0"])
      expect(error).toStrictEqual(new Framing.FrameTooLargeError({ length: 5, maxFrameLength: 4 }))
    }))

  it.effect("a huge input chunk of small frames is sent in buffers of about 64 KiB", () =>
    Effect.gen(function*() {
      const frames = Array.from({ length: 1000 }, () => filled(1 * KiB, 0x61))
      const { out } = yield* encodeChunks(Framing.varint(), [frames])
      expect(out.length).toBeGreaterThan(10)
      expect(Math.max(...out.map((piece) => piece.length))).toBeLessThan(66 * KiB)
      expect(out.reduce((n, piece) => n + piece.length, 0)).toBe(1000 * (KiB + 2))
    }))

  const framers: ReadonlyArray<[string, Framing.Framer]> = [
    ["lengthPrefixed()", Framing.lengthPrefixed()],
    ["lengthPrefixed kept header", Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 3, initialBytesToStrip: 0 })],
    ["varint()", Framing.varint()],
    ["delimited('--')", Framing.delimited({ delimiter: "--" })],
    ["lines()", Framing.lines()]
  ]
  const frame = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 4, max: 100 }) },
    { weight: 1, arbitrary: fc.integer({ min: 16 * KiB - 2, max: 20 * KiB }) }
  ).chain((n) => fc.constantFrom(0x61, 0x7a).map((byte) => filled(n, byte)))

  for (const [name, framer] of framers) {
    it.effect.prop(
      `${name}: small and large frames in any Stream chunking give the wire bytes of encodeFrame`,
      [fc.array(fc.array(frame, { maxLength: 5 }), { maxLength: 4 })],
      ([chunks]) =>
        Effect.gen(function*() {
          const expected = concat(chunks.flat().map((f) => Either.getOrThrow(framer.encodeFrame(f))))
          const { out, error } = yield* encodeChunks(framer, chunks)
          expect(error).toBeUndefined()
          expect(latin1(concat(out))).toBe(latin1(expected))
        }),
      { fastCheck: { numRuns: 40 } }
    )
  }
})
