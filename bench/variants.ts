/**
 * The decoders under test. Each takes the input chunks and feeds every frame
 * it produces to a Tally; none collects the frames.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { decode as lpDecode } from "it-length-prefixed"
import type { Uint8ArrayList } from "uint8arraylist"
import * as Framing from "../src/Framing.js"
import type { Tally } from "./input.js"
import { ConcatDecoder, LinearDecoder } from "./handwritten.js"

export interface Variant {
  readonly name: string
  readonly run: (chunks: ReadonlyArray<Uint8Array>, tally: Tally) => void | Promise<void>
}

// --- plain JS: the ceiling --------------------------------------------------

/**
 * The best hand-written decoder (bench/handwritten.ts): frames to a callback,
 * spanning frames in `Buffer.allocUnsafe`, no Effect.
 */
export const plain: Variant = {
  name: "plain JS (ceiling)",
  run: (chunks, tally) => {
    const decoder = new LinearDecoder((frame) => tally.add(frame))
    for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]!)
    if (decoder.pending > 0) throw new Error("plain: truncated input")
  }
}

// --- naive: Buffer.concat per chunk -------------------------------------------

/** The classic tutorial decoder (bench/handwritten.ts): re-concatenate the backlog on every chunk. */
export const naive: Variant = {
  name: "naive Buffer.concat",
  run: (chunks, tally) => {
    const decoder = new ConcatDecoder((frame) => tally.add(frame))
    for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]!)
    if (decoder.pending > 0) throw new Error("naive: truncated input")
  }
}

/**
 * Bytes the naive decoder copies for one frame of `wireSize` bytes arriving in
 * `chunkSize` chunks: the backlog is re-copied on each of its ~wireSize/chunkSize
 * chunks, about wireSize^2 / (2 chunkSize) in all.
 */
export const naiveCopiesPerFrame = (wireSize: number, chunkSize: number): number =>
  wireSize <= chunkSize ? wireSize : (wireSize * wireSize) / (2 * chunkSize)

// --- it-length-prefixed -------------------------------------------------------

/**
 * it-length-prefixed reads a varint by default; this reads the same 4-byte
 * big-endian prefix as the others. On a short buffer `getUint32` throws a
 * RangeError, which `decode` takes as "need more bytes" (its documented
 * contract for length decoders).
 */
const uint32BE = Object.assign((data: Uint8ArrayList): number => data.getUint32(0, false), { bytes: 4 })

/**
 * Its synchronous path (a sync iterable in, a Generator out), the cheapest it
 * offers. Each frame comes out as a Uint8ArrayList; `.subarray()` turns it into
 * the same Uint8Array the other decoders emit (a view when the frame lies in
 * one chunk, a copy when it spans chunks).
 */
export const itLengthPrefixed: Variant = {
  name: "it-length-prefixed",
  run: (chunks, tally) => {
    for (const frame of lpDecode(chunks, { lengthDecoder: uint32BE, maxDataLength: 8 * 1024 * 1024 })) {
      tally.add(frame.subarray())
    }
  }
}

// --- effect-net ---------------------------------------------------------------

const framer = Framing.lengthPrefixed()

const drain = (stream: Stream.Stream<Uint8Array, unknown>, tally: Tally): Promise<void> =>
  Effect.runPromise(
    Stream.runForEachChunk(stream, (frames) =>
      Effect.sync(() => {
        const array = Chunk.toReadonlyArray(frames)
        for (let i = 0; i < array.length; i++) tally.add(array[i]!)
      }))
  )

/**
 * Batched: `Stream.fromIterable` packs up to `Stream.DefaultChunkSize` (4096)
 * input chunks into each Stream chunk, so the decoder sees 4096 input chunks
 * per pull.
 */
export const effectBatched: Variant = {
  name: "effect-net batched",
  run: (chunks, tally) => drain(Stream.fromIterable(chunks).pipe(framer.decode), tally)
}

/**
 * The ceiling's decoder run inside the same batched Stream (`Stream.mapChunks`
 * over `Stream.fromIterable`, one output chunk per pull) and drained by the
 * same consumer: what any Stream decoder can reach in this harness, so that
 * the batched figures split into Effect's share and the decoder's.
 */
export const effectCeiling: Variant = {
  name: "ceiling in Stream.mapChunks",
  run: (chunks, tally) => {
    const frames: Array<Uint8Array> = []
    const decoder = new LinearDecoder((frame) => frames.push(frame))
    return drain(
      Stream.fromIterable(chunks).pipe(Stream.mapChunks((input) => {
        const array = Chunk.toReadonlyArray(input)
        for (let i = 0; i < array.length; i++) decoder.push(array[i]!)
        return Chunk.unsafeFromArray(frames.splice(0))
      })),
      tally
    )
  }
}

/**
 * One input chunk per pull, as a socket delivers under light load.
 * `Stream.fromIteratorSucceed(iterator, 1)` is `fromIterable` with a maximum
 * Stream-chunk size of 1: one `Effect.sync` + `write` per element in a single
 * channel, no extra stage. The alternatives add a stage in front of the
 * decoder: `Stream.rechunk(1)` runs a rechunking channel over every element,
 * and `fromIterable(chunks.map(Chunk.of)).pipe(Stream.flattenChunks)` a
 * concatMap channel. `checkOnePerPull` in decode.ts verifies the decoder
 * really sees one input chunk per pull.
 */
export const onePerPull = (chunks: ReadonlyArray<Uint8Array>): Stream.Stream<Uint8Array> =>
  Stream.fromIteratorSucceed(chunks[Symbol.iterator]() as IterableIterator<Uint8Array>, 1)

export const effectOnePerPull: Variant = {
  name: "effect-net 1 chunk/pull",
  run: (chunks, tally) => drain(onePerPull(chunks).pipe(framer.decode), tally)
}

/**
 * The one-chunk-per-pull source drained with `Stream.runDrain`, no decoder and
 * no consumer: what the source and the runner cost per pull by themselves, to
 * split the per-pull overhead. Not a decoder: no ratio, no checksum.
 */
export const sourceOnly: Variant = {
  name: "(1 chunk/pull source alone)",
  run: (chunks) => Effect.runPromise(Stream.runDrain(onePerPull(chunks)))
}
