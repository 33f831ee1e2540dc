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
      const frames = [1, 2, 3].map((n) => new Uint8Array(1024 * 1024 - 4).fill(n))
      const wire = yield* Framing.lengthPrefixed().encode(Stream.fromIterable(frames)).pipe(Stream.runCollect)
      const all = new Uint8Array(3 * 1024 * 1024)
      let at = 0
      for (const buffer of wire) {
        all.set(buffer, at)
        at += buffer.length
      }
      const pieces = Array.from({ length: 48 }, (_, i) => all.subarray(i * 65536, (i + 1) * 65536))
      const got = yield* chunksOf(Framing.lengthPrefixed().decode(Stream.fromChunk(Chunk.unsafeFromArray(pieces))))
      expect(got.map((chunk) => chunk.length)).toStrictEqual([1, 1, 1])
      expect(got.flat().map((frame) => [frame.length, frame[0], frame[frame.length - 1]])).toStrictEqual(
        [1, 2, 3].map((n) => [1024 * 1024 - 4, n, n])
      )
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
