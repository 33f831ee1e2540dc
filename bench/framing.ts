/**
 * Quick framing throughput figures: decode MB/s of 4-byte length-prefixed
 * frames cut into 1460-byte and 64 KiB chunks (batched pulls and one chunk
 * per pull), and encode MB/s of frames handed over in Stream chunks of 100.
 * Best of BENCH_REPS (default 5) runs per case, ~BENCH_MIB (default 32) MiB
 * of wire bytes per run. Figures are wire bytes per second of this
 * process's CPU time (user + system), which a machine shared with other
 * work disturbs far less than wall time.
 *
 *   node --import tsx bench/framing.ts
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Framing from "../src/Framing.js"

const KiB = 1024
const MiB = 1024 * KiB
const TOTAL = Number(process.env.BENCH_MIB ?? 32) * MiB
const REPS = Number(process.env.BENCH_REPS ?? 5)
const framer = Framing.lengthPrefixed()

const wire = (frameSize: number): Buffer => {
  const frames = Math.max(1, Math.floor(TOTAL / (frameSize + 4)))
  const bytes = Buffer.allocUnsafe(frames * (frameSize + 4))
  for (let i = 0, at = 0; i < frames; i++, at += frameSize + 4) {
    bytes.writeUInt32BE(frameSize, at)
    bytes.fill(i & 0xff, at + 4, at + 4 + frameSize)
  }
  return bytes
}

const cut = (bytes: Buffer, size: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, Math.min(at + size, bytes.length)))
  return chunks
}

/** total length of what the stream emits */
const drain = async (stream: Stream.Stream<Uint8Array, unknown>): Promise<number> => {
  let n = 0
  await Effect.runPromise(Stream.runForEachChunk(stream, (chunk) =>
    Effect.sync(() => {
      const array = Chunk.toReadonlyArray(chunk)
      for (let i = 0; i < array.length; i++) n += array[i]!.length
    })))
  return n
}

/** MB/s of `wireBytes`, best of REPS after a warm-up; `expected` checks the output length */
const best = async (run: () => Promise<number>, expected: number, wireBytes: number): Promise<string> => {
  let seconds = Infinity
  await run()
  for (let i = 0; i < REPS; i++) {
    const start = process.cpuUsage()
    const got = await run()
    const used = process.cpuUsage(start)
    seconds = Math.min(seconds, (used.user + used.system) / 1e6)
    if (got !== expected) throw new Error(`got ${got} bytes out, expected ${expected}`)
  }
  return (wireBytes / seconds / 1e6).toFixed(0).padStart(6)
}

const onePerPull = (chunks: ReadonlyArray<Uint8Array>) =>
  Stream.fromIteratorSucceed(chunks[Symbol.iterator]() as IterableIterator<Uint8Array>, 1)

const main = async () => {
  console.log("decode MB/s")
  for (const frameSize of [16, KiB, 64 * KiB]) {
    const bytes = wire(frameSize)
    const body = (bytes.length / (frameSize + 4)) * frameSize
    for (const chunkSize of [1460, 64 * KiB]) {
      const chunks = cut(bytes, chunkSize)
      const batched = await best(() => drain(Stream.fromIterable(chunks).pipe(framer.decode)), body, bytes.length)
      const single = await best(() => drain(onePerPull(chunks).pipe(framer.decode)), body, bytes.length)
      console.log(
        `  ${String(frameSize).padStart(6)} B frames, ${String(chunkSize).padStart(5)} B chunks: ` +
          `batched ${batched}  1 chunk/pull ${single}`
      )
    }
  }
  console.log("encode MB/s, Stream chunks of 100 frames")
  for (const frameSize of [64, 4 * KiB]) {
    const frame = new Uint8Array(frameSize).fill(7)
    const chunks = Math.floor(TOTAL / (frameSize + 4) / 100)
    const input = Chunk.unsafeFromArray(new Array<Uint8Array>(100).fill(frame))
    const stream = Stream.fromChunks(...new Array<Chunk.Chunk<Uint8Array>>(chunks).fill(input))
    const wireBytes = chunks * 100 * (frameSize + 4)
    console.log(`  ${String(frameSize).padStart(6)} B frames: ${await best(() => drain(stream.pipe(framer.encode)), wireBytes, wireBytes)}`)
  }
}

main()
