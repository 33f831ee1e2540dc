/**
 * Memory over a long stream whose frames never end at a chunk's end — the
 * usual case over TCP, where a decoder's queue never empties. Every memory
 * test before this one let the queue empty out, and so missed a `ByteQueue`
 * that kept each consumed chunk alive until it compacted (31 MiB held for 36
 * pending bytes). Here every built-in framer decodes 300 chunks of 64 KiB,
 * each cut mid-frame; the frames are dropped as they come, so whatever memory
 * is still held afterwards is the decoder's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"
import { collect } from "../util/gc.js"

const CHUNKS = 300
/** not a multiple of any frame's wire length, so chunk boundaries fall all over the frames */
const CHUNK = 64 * 1024 + 7
const MiB = 1024 * 1024

/** frames of 1000 'a's, then one of 999 so the fixed-length framer's frames fall on every phase too */
const body = (i: number) => new Uint8Array(i % 7 === 6 ? 999 : 1000).fill(0x61)

const cases: ReadonlyArray<readonly [string, () => Framing.Framer]> = [
  ["lengthPrefixed (4-byte length)", () => Framing.lengthPrefixed()],
  ["lengthPrefixed (2-byte little-endian length)", () => Framing.lengthPrefixed({ lengthFieldLength: 2, byteOrder: "little" })],
  ["varint", () => Framing.varint()],
  ["fixedLength(1000)", () => Framing.fixedLength(1000)],
  ["lines", () => Framing.lines()],
  ["delimited by one byte", () => Framing.delimited({ delimiter: new Uint8Array([0]) })],
  ["delimited by \\r\\n\\r\\n", () => Framing.delimited({ delimiter: "\r\n\r\n" })]
]

/** The wire bytes of enough frames for every chunk, in one plain Uint8Array (its `slice` copies; a Buffer's is a view). */
const wireOf = (framer: Framing.Framer, fixed: boolean): Uint8Array => {
  const wire = new Uint8Array(CHUNKS * CHUNK + 1024)
  for (let i = 0, at = 0; at < CHUNKS * CHUNK; i++) {
    const encoded = framer.encodeFrame(fixed ? new Uint8Array(1000).fill(0x61) : body(i))
    if (Either.isLeft(encoded)) throw new Error(`the test's frame was refused: ${encoded.left.message}`)
    wire.set(encoded.right, at)
    at += encoded.right.length
  }
  return wire
}

/** ArrayBuffer bytes alive once everything dead is collected (backing stores go after the collection that found them dead). */
const settle = async () => {
  collect()
  await new Promise((resolve) => setTimeout(resolve, 50))
  collect()
  return process.memoryUsage().arrayBuffers
}

describe("a long stream cut mid-frame holds only the decoder's pending bytes (queues that never empty)", () => {
  for (const [name, make] of cases) {
    it(`${name}: 300 chunks of 64 KiB, frames dropped as they come: < 1 MiB held`, async () => {
      const framer = make()
      const wire = wireOf(framer, name.startsWith("fixed"))
      const decoder = framer.decoder()
      const out: Array<Uint8Array> = []
      let frames = 0
      let last: WeakRef<ArrayBuffer> | undefined
      const before = await settle()
      for (let i = 0; i < CHUNKS; i++) {
        // a copy: each chunk its own memory, as a socket's reads are
        const chunk = wire.slice(i * CHUNK, (i + 1) * CHUNK)
        const error = decoder.push(chunk, out)
        if (error !== undefined) throw new Error(`decoding failed: ${error.message}`)
        frames += out.length
        out.length = 0
        if (i === 0) last = new WeakRef(chunk.buffer)
      }
      const held = (await settle()) - before
      // ~19,600 frames; the frame that spans the last chunk's end is the one pending
      expect(frames).toBeGreaterThan(19_000)
      expect(decoder.pending?.() ?? 0).toBeLessThan(1004)
      // the first chunk: consumed 299 chunks ago
      expect(last!.deref()).toBeUndefined()
      // the last chunk (its tail is pending) and a frame's assembly; all 300 chunks are 18.75 MiB
      expect(held).toBeLessThan(1 * MiB)
      expect(wire.length).toBeGreaterThanOrEqual(CHUNKS * CHUNK)
    })
  }
})
