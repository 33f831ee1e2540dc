import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"

// The adapter writes a large pull's output in batches (src/internal/framing/decoder.ts):
// these pulls are big enough to be cut into several output chunks.
describe("the Stream adapter", () => {
  const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 })
  const frame = (i: number) => Uint8Array.of(i >> 8, i & 0xff)
  /** 20,000 two-byte frames, four to an input chunk, all in one Stream chunk */
  const frames = Array.from({ length: 20_000 }, (_, i) => frame(i))
  const inputs = Array.from({ length: frames.length / 4 }, (_, k) =>
    Uint8Array.from(frames.slice(4 * k, 4 * k + 4).flatMap((f) => [0, 2, ...f])))

  it.effect("a pull producing many frames emits them all, in order, in several output chunks", () =>
    Effect.gen(function*() {
      const chunks = yield* Stream.fromChunk(Chunk.unsafeFromArray(inputs)).pipe(
        framer.decode,
        Stream.chunks,
        Stream.runCollect
      )
      expect(chunks.length).toBeGreaterThan(1)
      expect(Chunk.toReadonlyArray(chunks).flatMap((c) => Chunk.toReadonlyArray(c))).toEqual(frames)
    }))

  it.effect("an error after a large batch still comes after every frame before it", () =>
    Effect.gen(function*() {
      const broken = [...inputs, Uint8Array.of(0, 9, 1)]
      const got = yield* Stream.fromChunk(Chunk.unsafeFromArray(broken)).pipe(
        framer.decode,
        Stream.either,
        Stream.runCollect
      )
      const all = Chunk.toReadonlyArray(got)
      expect(all.slice(0, -1)).toEqual(frames.map(Either.right))
      expect(all[all.length - 1]).toEqual(Either.left(new Framing.TruncatedFrameError({ received: 3, expected: 11, headerLength: 2 })))
    }))
})
