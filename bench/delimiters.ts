/**
 * Delimited framing: the cost per byte must not grow with the delimiter's
 * length, nor with how finely the input is cut. Frames of 16 KiB, input cut
 * into 1-byte and 1460-byte chunks, delimiters of 1, 16 and 256 bytes, plain
 * and self-overlapping (a run of "a" then "b", over a body of "a": every byte
 * is a partial match).
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Framing from "../src/Framing.js"

const FRAME = 16 * 1024
const INPUT = 1024 * 1024

const wireOf = (delimiter: Uint8Array, body: number): Uint8Array => {
  const frames = Math.floor(INPUT / (FRAME + delimiter.length))
  const wire = new Uint8Array(frames * (FRAME + delimiter.length)).fill(body)
  for (let at = FRAME; at < wire.length; at += FRAME + delimiter.length) wire.set(delimiter, at)
  return wire
}

const cut = (wire: Uint8Array, size: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < wire.length; at += size) chunks.push(wire.subarray(at, at + size))
  return chunks
}

const seconds = async (delimiter: Uint8Array, chunks: Array<Uint8Array>, expected: number): Promise<number> => {
  const framer = Framing.delimited({ delimiter, maxFrameLength: FRAME })
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 3; round++) {
    let frames = 0
    const start = performance.now()
    await Effect.runPromise(Stream.runForEachChunk(Stream.fromIterable(chunks).pipe(framer.decode), (c) =>
      Effect.sync(() => {
        frames += c.length
      })))
    best = Math.min(best, (performance.now() - start) / 1000)
    if (frames !== expected) throw new Error(`delimited: ${frames} frames, expected ${expected}`)
  }
  return best
}

export const delimiterScaling = async (): Promise<void> => {
  console.log(`## Delimiters: cost per byte vs delimiter length and chunking`)
  console.log()
  console.log(`16 KiB frames, ${INPUT / 1024 / 1024} MiB per case, batched; ratio = MB/s ÷ the 1-byte delimiter's MB/s at the same chunking.`)
  console.log()
  console.log(`| delimiter | chunk | MB/s | × 1-byte delimiter |`)
  console.log(`|---|---:|---:|---:|`)
  const kinds = [
    ["plain", (m: number) => Uint8Array.from({ length: m }, (_, i) => 0x41 + (i % 26)), 0x78],
    ["self-overlapping", (m: number) => Uint8Array.from({ length: m }, (_, i) => (i === m - 1 ? 0x62 : 0x61)), 0x61]
  ] as const
  for (const [kind, make, body] of kinds) {
    for (const chunkSize of [1, 1460]) {
      let base = 0
      for (const m of [1, 16, 256]) {
        const delimiter = make(m)
        const wire = wireOf(delimiter, body)
        const frames = wire.length / (FRAME + m)
        const mbps = wire.length / 1e6 / (await seconds(delimiter, cut(wire, chunkSize), frames))
        if (m === 1) base = mbps
        console.log(`| ${kind}, ${m} B | ${chunkSize} B | ${mbps.toFixed(0)} | ${(mbps / base).toFixed(2)} |`)
      }
    }
  }
  console.log()
}
