/**
 * The decode/encode adapter and the batch encoder, chunk by chunk (issue 12:
 * the Stryker survivors of internal/framing/decoder.ts and layout.ts): no empty
 * output chunks, output cut every 4096 frames or 1 MiB of input within a pull, an encode batch
 * sent once it reaches 64 KiB, a frame with nothing to add returned as it is.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { bytes, latin1 } from "../util/bytes.js"

/** the output chunks of a stream, each as the list of its elements */
const chunksOf = <A, E>(stream: Stream.Stream<A, E>) =>
  Stream.chunks(stream).pipe(Stream.runCollect, Effect.map((chunks) => Chunk.toReadonlyArray(chunks).map(Chunk.toReadonlyArray)))

/**
 * `count` length-prefixed frames of `size` bytes (frame n filled with n), their wire bytes cut into
 * `piece`-byte chunks after a first one of `first` bytes, all in one pull
 */
const decodeOnePull = (count: number, size: number, piece: number, first = piece) => {
  const wire = new Uint8Array(count * (size + 4))
  for (let n = 0; n < count; n++) {
    new DataView(wire.buffer).setUint32(n * (size + 4), size)
    wire.fill(n + 1, n * (size + 4) + 4, (n + 1) * (size + 4))
  }
  const pieces = [wire.subarray(0, first)]
  for (let at = first; at < wire.length; at += piece) pieces.push(wire.subarray(at, at + piece))
  return Framing.lengthPrefixed().decode(Stream.fromChunk(Chunk.unsafeFromArray(pieces)))
}

describe("the framing adapter, chunk by chunk", () => {
  it.effect("a pull that completes no frame emits no chunk", () =>
    Effect.gen(function*() {
      const got = yield* chunksOf(Framing.fixedLength(4).decode(
        Stream.make(bytes("ab"), bytes("cd"), bytes("e"), bytes("fgh")).pipe(Stream.rechunk(1))
      ))
      expect(got.map((chunk) => chunk.map(latin1))).toStrictEqual([["abcd"], ["efgh"]])
    }))

  it.effect("the frames of one pull go out 4096 at a time", () =>
    Effect.gen(function*() {
      const input = Stream.fromChunk(Chunk.unsafeFromArray(Array.from({ length: 4096 * 2 + 5 }, (_, i) => Uint8Array.of(i & 0xff))))
      const got = yield* chunksOf(Framing.fixedLength(1).decode(input))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([4096, 4096, 5])
      expect(got.flat().map((frame) => frame[0])).toStrictEqual(Array.from({ length: 4096 * 2 + 5 }, (_, i) => i & 0xff))
    }))

  it.effect("large frames of one pull go out a MiB of input at a time", () =>
    Effect.gen(function*() {
      // three frames of exactly 1 MiB on the wire, cut into 64 KiB chunks, all in one pull
      const got = yield* chunksOf(decodeOnePull(3, 1024 * 1024 - 4, 65536))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([1, 1, 1])
      expect(got.flat().map((frame) => [frame.length, frame[0], frame[frame.length - 1]])).toStrictEqual(
        [1, 2, 3].map((n) => [1024 * 1024 - 4, n, n])
      )
    }))

  it.effect("the cut comes once the input reaches exactly 1 MiB", () =>
    Effect.gen(function*() {
      // 64 KiB on the wire per frame and per chunk: 16 frames complete as the input reaches 1 MiB
      const got = yield* chunksOf(decodeOnePull(40, 65536 - 4, 65536))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([16, 16, 8])
      expect(got.flat().map((frame) => frame[0])).toStrictEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    }))

  it.effect("and not a byte before", () =>
    Effect.gen(function*() {
      // the first chunk a byte short: after 16 chunks the input is 1 MiB - 1 and 15 frames are complete
      const got = yield* chunksOf(decodeOnePull(40, 65536 - 4, 65536, 65535))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([16, 16, 8])
    }))

  it.effect("input past the bound with no frame complete yet emits no empty chunk", () =>
    Effect.gen(function*() {
      // 2 MiB frames in 256 KiB chunks: the bound is passed twice per frame before it completes
      const got = yield* chunksOf(decodeOnePull(3, 2 * 1024 * 1024 - 4, 256 * 1024))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([1, 1, 1])
    }))

  it.effect("an encode batch goes out once it holds 64 KiB: exactly 64 KiB is a buffer of its own", () =>
    Effect.gen(function*() {
      // 4-byte header + 1020 bytes = 1 KiB on the wire each
      const frames = Array.from({ length: 65 }, (_, i) => new Uint8Array(1020).fill(i))
      const got = yield* chunksOf(Framing.lengthPrefixed().encode(Stream.fromChunk(Chunk.unsafeFromArray(frames))))
      expect(got.flat().map((buffer) => buffer.length)).toStrictEqual([64 * 1024, 1024])
      expect(Array.from(got.flat()[1]!.subarray(0, 5))).toStrictEqual([0, 0, 0x03, 0xfc, 64])
    }))

  it("a frame with no header and no trailer is its own wire bytes, not a copy", () => {
    const frame = bytes("abc")
    expect(Either.getOrThrow(Framing.fixedLength(3).encodeFrame(frame))).toBe(frame)
  })
})
