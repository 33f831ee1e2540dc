/**
 * Memory over a long stream whose frames never end at a chunk's end — the
 * usual case over TCP, where a decoder's queue never empties. The framer
 * memory tests before this one let the queue empty out, and so missed a
 * `ByteQueue` that kept each consumed chunk alive until it compacted (31 MiB
 * held for 36 pending bytes): a line split across every chunk, or a
 * length-prefixed frame longer than 64 KiB, which waits in the queue
 * uncopied while large chunks come. Here every built-in framer decodes 300
 * chunks of 64 KiB, each cut mid-frame; the frames are dropped as they come,
 * so whatever memory is still held afterwards is the decoder's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"
import { liveArrayBufferBytes } from "../util/gc.js"

const CHUNKS = 300
/** not a multiple of any frame's wire length, so chunk boundaries fall all over the frames */
const CHUNK = 64 * 1024 + 7

interface Case {
  readonly name: string
  readonly framer: Framing.Framer
  /** the body of frame i */
  readonly body: (i: number) => number
}

/** 1000-byte frames (999 every seventh, so a fixed framer's frames fall on every phase too), assembled as they span */
const small = (i: number) => (i % 7 === 6 ? 999 : 1000)
/** 100,000-byte frames: longer than a decoder assembles at once, so each waits in the queue while chunks come */
const large = () => 100_000

const cases: ReadonlyArray<Case> = [
  { name: "lengthPrefixed (4-byte length)", framer: Framing.lengthPrefixed(), body: small },
  { name: "lengthPrefixed (2-byte little-endian length)", framer: Framing.lengthPrefixed({ lengthFieldLength: 2, byteOrder: "little" }), body: small },
  { name: "varint", framer: Framing.varint(), body: small },
  { name: "fixedLength(1000)", framer: Framing.fixedLength(1000), body: () => 1000 },
  { name: "lines", framer: Framing.lines(), body: small },
  { name: "delimited by one byte", framer: Framing.delimited({ delimiter: new Uint8Array([0]) }), body: small },
  { name: "delimited by \\r\\n\\r\\n", framer: Framing.delimited({ delimiter: "\r\n\r\n" }), body: small },
  { name: "lengthPrefixed, 100,000-byte frames", framer: Framing.lengthPrefixed(), body: large },
  { name: "varint, 100,000-byte frames", framer: Framing.varint(), body: large },
  { name: "fixedLength(100000)", framer: Framing.fixedLength(100_000), body: large }
]

/** The wire bytes of enough frames for every chunk, in one plain Uint8Array (its `slice` copies; a Buffer's is a view). */
const wireOf = ({ body, framer }: Case): Uint8Array => {
  const wire = new Uint8Array(CHUNKS * CHUNK + 128 * 1024)
  for (let i = 0, at = 0; at < CHUNKS * CHUNK; i++) {
    const encoded = framer.encodeFrame(new Uint8Array(body(i)).fill(0x61))
    if (Either.isLeft(encoded)) throw new Error(`the test's frame was refused: ${encoded.left.message}`)
    wire.set(encoded.right, at)
    at += encoded.right.length
  }
  return wire
}

/**
 * Decodes the chunks, dropping the frames; returns how many there were and a
 * `WeakRef` to the first chunk's memory. Synchronous, so that no chunk stays
 * alive in a suspended async frame of the test's own.
 */
const decodeAll = (decoder: Framing.FrameDecoder, wire: Uint8Array) => {
  const out: Array<Uint8Array> = []
  let frames = 0
  let first: WeakRef<ArrayBuffer> | undefined
  for (let i = 0; i < CHUNKS; i++) {
    // a copy: each chunk its own memory, as a socket's reads are
    const chunk = wire.slice(i * CHUNK, (i + 1) * CHUNK)
    const error = decoder.push(chunk, out)
    if (error !== undefined) throw new Error(`decoding failed: ${error.message}`)
    frames += out.length
    out.length = 0
    if (i === 0) first = new WeakRef(chunk.buffer)
  }
  return { frames, first: first! }
}

describe("a long stream cut mid-frame holds only the decoder's pending bytes (queues that never empty)", () => {
  for (const c of cases) {
    const frameLength = c.body(0)
    it(`${c.name}: 300 chunks of 64 KiB, frames dropped as they come: the unfinished frame's chunks held, no more`, async () => {
      const wire = wireOf(c)
      const decoder = c.framer.decoder()
      const before = await liveArrayBufferBytes()
      const { first, frames } = decodeAll(decoder, wire)
      const held = (await liveArrayBufferBytes()) - before
      // every frame but the one that spans the last chunk's end
      expect(frames).toBeGreaterThan((CHUNKS * CHUNK) / (frameLength + 8) - 2)
      expect(decoder.pending?.() ?? 0).toBeLessThan(frameLength + 8)
      // consumed 299 chunks ago
      expect(first.deref()).toBeUndefined()
      // the chunks the unfinished frame lies in, or its assembly; all 300 chunks are 18.75 MiB
      expect(held).toBeLessThan(Math.ceil((frameLength + 8) / CHUNK + 1) * CHUNK + 64 * 1024)
      // `wire` read after the second figure: alive through both, so it counts in neither difference
      expect(wire.length).toBeGreaterThan(CHUNKS * CHUNK)
    })
  }
})
