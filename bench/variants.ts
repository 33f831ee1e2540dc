/**
 * The decoders under test. Each takes the input chunks and feeds every frame
 * it produces to a Tally; none collects the frames.
 */
import type * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import { decode as lpDecode } from "it-length-prefixed"
import type { Uint8ArrayList } from "uint8arraylist"
import * as Framing from "../src/Framing.js"
import { polledStream } from "../src/internal/socket/polledStream.js"
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

/**
 * The consumer: every frame of a chunk to the tally inside the channel
 * executor, the shape of the connection's own sink (`Connection.sink`, where
 * a server's frames go). BENCH_CONSUMER=forEach drains through
 * `Stream.runForEachChunk` instead (an Effect per chunk), the consumer of
 * earlier runs: with it V8 promotes most frames in most processes (16 B frames
 * in 64 B chunks: `heapUsed` up to 400-530 MiB per 32 MiB decoded, 33-71 MB/s;
 * 128-134 MiB and 123-148 MB/s with this one), so the figure was the
 * consumer's GC more than the decoder.
 */
export const drain = (stream: Stream.Stream<Uint8Array, unknown>, tally: Tally): Promise<void> =>
  Effect.runPromise(
    process.env.BENCH_CONSUMER === "forEach"
      ? Stream.runForEachChunk(stream, (frames) => Effect.sync(() => count(frames, tally)))
      : Stream.run(stream, Sink.fromChannel(counting(tally)))
  )

const count = (frames: Chunk.Chunk<Uint8Array>, tally: Tally): void => {
  const array = Chunk.toReadonlyArray(frames)
  for (let i = 0; i < array.length; i++) tally.add(array[i]!)
}

const counting = (tally: Tally): Channel.Channel<never, Chunk.Chunk<Uint8Array>, never, never, void, unknown> => {
  const loop: Channel.Channel<never, Chunk.Chunk<Uint8Array>, never, never, void, unknown> = Channel.readWithCause({
    onInput: (frames: Chunk.Chunk<Uint8Array>) => {
      count(frames, tally)
      return loop
    },
    onFailure: (cause: Cause.Cause<never>) => Channel.failCause(cause),
    onDone: () => Channel.void
  })
  return loop
}

/**
 * The input as a socket's read stream hands it over: `perPull` input chunks
 * per pull, each pull's chunks one `Chunk` over an array (as the node
 * socket's 'data' handler gathers them), through the connection's own read
 * stream (`polledStream`: a buffered chunk is handed over without an Effect
 * step). A source that iterates (`Stream.fromIterable`) would add an
 * iterator step per input chunk, as much as the ceiling spends decoding a
 * 64 B chunk, which no socket pays.
 */
export const socketShaped = (chunks: ReadonlyArray<Uint8Array>, perPull: number): Stream.Stream<Uint8Array> =>
  polledStream<Uint8Array, never>(() => {
    let next = 0
    return {
      poll: () => next < chunks.length ? Chunk.unsafeFromArray(chunks.slice(next, next += perPull)) : undefined,
      pull: Effect.fail(Option.none())
    }
  })

/** Batched: `Stream.DefaultChunkSize` (4096) input chunks per pull. */
const BATCH = 4096

export const effectBatched: Variant = {
  name: "effect-net batched",
  run: (chunks, tally) => drain(socketShaped(chunks, BATCH).pipe(framer.decode), tally)
}

/**
 * The ceiling's decoder run inside the same batched Stream (`Stream.mapChunks`
 * over the same source, one output chunk per pull) and drained by the
 * same consumer, so that the batched figures split into Effect's share and
 * the decoder's. Not a bound where a pull holds many frames (16 B frames in
 * 1460 B or 64 KiB chunks: a pull of 4096 input chunks makes up to 3 million
 * frames at once), which effect-net's adapter writes in batches.
 */
export const effectCeiling: Variant = {
  name: "ceiling in Stream.mapChunks",
  run: (chunks, tally) => {
    const frames: Array<Uint8Array> = []
    const decoder = new LinearDecoder((frame) => frames.push(frame))
    return drain(
      socketShaped(chunks, BATCH).pipe(Stream.mapChunks((input) => {
        const array = Chunk.toReadonlyArray(input)
        for (let i = 0; i < array.length; i++) decoder.push(array[i]!)
        return Chunk.unsafeFromArray(frames.splice(0))
      })),
      tally
    )
  }
}

/** One input chunk per pull, as a socket delivers under light load. */
export const onePerPull = (chunks: ReadonlyArray<Uint8Array>): Stream.Stream<Uint8Array> => socketShaped(chunks, 1)

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
