/**
 * The size-announcing framers assemble a frame that spans chunks in memory of
 * its own when small chunks come for it (sized.ts), in memory that starts at
 * up to 64 KiB and doubles as it fills; in large chunks it waits in the queue
 * and is copied once at the end; a header split across chunks is gathered
 * apart. These properties drive every one of those
 * paths with frame sizes around the thresholds and chunkings that mix tiny,
 * small, socket-sized and large chunks, and compare with one chunk.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Framing from "../../src/Framing.js"
import { concat } from "../util/bytes.js"
import { collect } from "../util/gc.js"

const KiB = 1024
const MiB = 1024 * KiB

interface Case {
  readonly name: string
  readonly framer: Framing.Framer
  /** bytes of the wire before what the decoder emits */
  readonly strip: (wire: Uint8Array) => number
}

const lengthPrefixed = (options: Framing.LengthPrefixedOptions): Case => {
  const headerEnd = (options.lengthFieldOffset ?? 0) + (options.lengthFieldLength ?? 4)
  const strip = options.initialBytesToStrip ?? headerEnd
  return {
    name: `lengthPrefixed(${JSON.stringify(options)})`,
    framer: Framing.lengthPrefixed({ maxFrameLength: MiB, ...options }),
    strip: () => strip
  }
}

const cases: ReadonlyArray<Case> = [
  lengthPrefixed({}),
  // a kept header: a frame with an empty body is its header bytes alone
  lengthPrefixed({ lengthFieldLength: 3, initialBytesToStrip: 0 }),
  // more stripped than the header: the header alone is not enough to start a frame
  lengthPrefixed({ lengthAdjustment: 4, initialBytesToStrip: 8 }),
  // a header too long to gather apart: it waits in the queue
  lengthPrefixed({ lengthFieldOffset: 70, lengthFieldLength: 4, byteOrder: "little" }),
  {
    name: "varint()",
    // a frame of up to 9 bytes fits in the 10 header bytes gathered
    framer: Framing.varint({ maxFrameLength: MiB }),
    strip: (wire) => {
      let n = 1
      while (wire[n - 1]! >= 0x80) n++
      return n
    }
  }
]

/** frame sizes around the thresholds: tiny, around the queue's 1 KiB, around 64 KiB, beyond */
const frameSize = fc.oneof(
  fc.integer({ min: 0, max: 12 }),
  fc.integer({ min: 1000, max: 1100 }),
  fc.integer({ min: 64 * KiB - 16, max: 64 * KiB + 16 }),
  fc.integer({ min: 64 * KiB + 17, max: 300 * KiB })
)

/** chunk sizes: tiny segments, small, around the queue's 1 KiB, socket-sized, large */
const chunkSize = fc.oneof(
  fc.integer({ min: 1, max: 8 }),
  fc.integer({ min: 9, max: 200 }),
  fc.integer({ min: 1000, max: 1100 }),
  fc.integer({ min: 1400, max: 1500 }),
  fc.integer({ min: 16 * KiB, max: 80 * KiB })
)

/** Bytes that differ from frame to frame and along a frame, so a misplaced or overwritten byte shows. */
const frameOf = (size: number, seed: number): Uint8Array => {
  const frame = new Uint8Array(size)
  for (let i = 0; i < size; i++) frame[i] = (seed * 7 + i * 31 + (i >> 8)) & 0xff
  return frame
}

/** The wires of frames of these sizes (a kept header needs a frame of at least its size: shorter ones are left out). */
const wiresOf = (c: Case, sizes: ReadonlyArray<number>): Array<Uint8Array> =>
  sizes.flatMap((size, i) => {
    const wire = c.framer.encodeFrame(frameOf(size, i))
    return Either.isRight(wire) ? [wire.right] : []
  })

/** `wire` cut into chunks of the sizes given, cycled (views of one buffer each, as node:net delivers). */
const cut = (wire: Uint8Array, sizes: ReadonlyArray<number>): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let at = 0, i = 0; at < wire.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, wire.length - at)
    chunks.push(Uint8Array.from(wire.subarray(at, at + n)))
    at += n
  }
  return chunks
}

/** Push the chunks through one decoder; keep every frame (compared only at the end), the error and what is pending. */
const run = (framer: Framing.Framer, chunks: ReadonlyArray<Uint8Array>) => {
  const decoder = framer.decoder()
  const frames: Array<Uint8Array> = []
  for (const chunk of chunks) {
    const error = decoder.push(chunk, frames)
    if (error !== undefined) return { frames, error, pending: -1 }
  }
  const pending = decoder.pending!()
  const error = decoder.end(frames)
  return { frames, error, pending }
}

const same = (a: ReadonlyArray<Uint8Array>, b: ReadonlyArray<Uint8Array>): boolean =>
  a.length === b.length && a.every((frame, i) => Buffer.from(frame).equals(Buffer.from(b[i]!)))

describe.each(cases.map((c) => [c.name, c] as const))("%s: frames spanning chunks", (_, c) => {
  it.prop(
    "any chunking gives the frames of one chunk, none overwritten by later ones",
    [fc.array(frameSize, { minLength: 1, maxLength: 4 }), fc.array(chunkSize, { minLength: 1, maxLength: 6 })],
    ([sizes, chunkSizes]) => {
      const wires = wiresOf(c, sizes)
      const expected = wires.map((wire) => wire.subarray(c.strip(wire)))
      const got = run(c.framer, cut(concat(wires), chunkSizes))
      expect(got.error).toBeUndefined()
      expect(got.pending).toBe(0)
      expect(same(got.frames, expected)).toBe(true)
    },
    { fastCheck: { numRuns: 60 } }
  )

  it.prop(
    "tiny frames in tiny chunks: split headers are gathered apart, and a frame inside the gathered bytes is kept intact",
    [fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 24 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 })],
    ([sizes, chunkSizes]) => {
      const wires = wiresOf(c, sizes)
      const got = run(c.framer, cut(concat(wires), chunkSizes))
      expect(got.error).toBeUndefined()
      expect(same(got.frames, wires.map((wire) => wire.subarray(c.strip(wire))))).toBe(true)
    },
    { fastCheck: { numRuns: 60 } }
  )

  it.prop(
    "cut short anywhere: the same frames, the same TruncatedFrameError and the same pending count as one chunk",
    [
      fc.array(frameSize, { minLength: 1, maxLength: 3 }),
      fc.array(chunkSize, { minLength: 1, maxLength: 6 }),
      fc.double({ min: 0, max: 1, noNaN: true })
    ],
    ([sizes, chunkSizes, where]) => {
      const wire = concat(wiresOf(c, sizes))
      const prefix = wire.subarray(0, Math.floor(where * wire.length))
      const whole = run(c.framer, [prefix])
      const got = run(c.framer, cut(prefix, chunkSizes))
      expect(got.error).toEqual(whole.error)
      expect(got.pending).toBe(whole.pending)
      expect(same(got.frames, whole.frames)).toBe(true)
    },
    { fastCheck: { numRuns: 60 } }
  )
})

describe("assembly memory", () => {
  it("a header announcing 64 MiB, then small chunks: what is reserved stays near what arrived, not the announced size", () => {
    const decoder = Framing.lengthPrefixed({ maxFrameLength: 128 * MiB }).decoder()
    const frames: Array<Uint8Array> = []
    const before = process.memoryUsage().arrayBuffers
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, 64 * MiB)
    decoder.push(header, frames)
    for (let i = 0; i < 100; i++) decoder.push(Uint8Array.of(i), frames)
    expect(frames).toEqual([])
    expect(decoder.pending!()).toBe(104)
    // 64 KiB of assembly at most, far below the 64 MiB announced
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * MiB)
  })

  it("a frame larger than 64 KiB in large chunks waits uncopied, then is copied once into memory of its exact size", () => {
    const framer = Framing.lengthPrefixed({ maxFrameLength: MiB })
    const wire = Either.getOrThrow(framer.encodeFrame(frameOf(200 * KiB, 1)))
    const frames: Array<Uint8Array> = []
    const decoder = framer.decoder()
    for (const chunk of cut(wire, [20 * KiB])) decoder.push(chunk, frames)
    expect(frames.length).toBe(1)
    expect(frames[0]!.buffer.byteLength).toBe(200 * KiB)
    expect(Buffer.from(frames[0]!).equals(Buffer.from(frameOf(200 * KiB, 1)))).toBe(true)
  })

  // What the decoder reserves when a frame's header arrives (split across two chunks, so the queue's path reads
  // it, or whole at the start of a chunk) with the first 20 KiB of its body: a frame of up to 64 KiB is assembled
  // at once in memory of its exact size (and the chunk it came in is not kept); a longer one waits uncopied.
  const reservedAfter = (frameLength: number, splitHeader: boolean) => {
    const framer = Framing.lengthPrefixed({ maxFrameLength: MiB })
    const wire = Either.getOrThrow(framer.encodeFrame(frameOf(frameLength, 3)))
    const decoder = framer.decoder()
    const frames: Array<Uint8Array> = []
    // garbage freed during the measured pushes (earlier tests', earlier tries') must not lower the figure
    collect()
    const before = process.memoryUsage().arrayBuffers
    if (splitHeader) decoder.push(wire.subarray(0, 2), frames)
    decoder.push(wire.subarray(splitHeader ? 2 : 0, 4 + 20 * KiB), frames)
    const reserved = process.memoryUsage().arrayBuffers - before
    expect(frames).toEqual([])
    expect(decoder.pending!()).toBe(4 + 20 * KiB)
    return reserved
  }
  for (const splitHeader of [true, false]) {
    it(`a frame of up to 64 KiB is assembled as soon as its header is read, ${splitHeader ? "split across chunks" : "whole"}`, () => {
      for (const length of [40 * KiB, 64 * KiB]) {
        // a collection during a push frees earlier garbage and lowers the figure: the most of three tries
        const reserved = Math.max(...[0, 1, 2].map(() => reservedAfter(length, splitHeader)))
        expect(reserved).toBeGreaterThanOrEqual(length)
        expect(reserved).toBeLessThan(length + 8 * KiB)
      }
      expect(reservedAfter(64 * KiB + 1, splitHeader)).toBeLessThan(8 * KiB)
      expect(reservedAfter(200 * KiB, splitHeader)).toBeLessThan(8 * KiB)
    })
  }

  it("a frame larger than 64 KiB in small chunks is assembled in memory that grows to its exact size", () => {
    const framer = Framing.lengthPrefixed({ maxFrameLength: MiB })
    const wire = Either.getOrThrow(framer.encodeFrame(frameOf(100 * KiB + 3, 2)))
    const frames: Array<Uint8Array> = []
    const decoder = framer.decoder()
    for (const chunk of cut(wire, [500])) decoder.push(chunk, frames)
    expect(frames.length).toBe(1)
    expect(frames[0]!.length).toBe(100 * KiB + 3)
    expect(frames[0]!.buffer.byteLength).toBe(100 * KiB + 3)
    expect(Buffer.from(frames[0]!).equals(Buffer.from(frameOf(100 * KiB + 3, 2)))).toBe(true)
  })

  it("a frame's memory cannot be transferred away from the frames beside it: the others and the decoder go on", () => {
    const framer = Framing.lengthPrefixed()
    const wire = concat([0, 1, 2, 3].map((i) => Either.getOrThrow(framer.encodeFrame(frameOf(16, i)))))
    const decoder = framer.decoder()
    const frames: Array<Uint8Array> = []
    // 7-byte chunks: every frame is assembled, all four in one slab
    for (const chunk of cut(wire, [7])) decoder.push(chunk, frames)
    expect(frames.length).toBe(4)
    // Node copies memory marked untransferable instead of detaching it
    const copy = structuredClone(frames[0]!, { transfer: [frames[0]!.buffer as ArrayBuffer] })
    expect(Buffer.from(copy).equals(Buffer.from(frameOf(16, 0)))).toBe(true)
    frames.forEach((frame, i) => expect(Buffer.from(frame).equals(Buffer.from(frameOf(16, i)))).toBe(true))
    const more: Array<Uint8Array> = []
    for (const chunk of cut(wire, [7])) decoder.push(chunk, more)
    expect(more.length).toBe(4)
    expect(Either.isRight(framer.encodeFrame(frameOf(10, 9)))).toBe(true)
  })

  it("small frames assembled across chunks each have bytes of their own, in memory of at most 8 KiB", () => {
    const framer = Framing.lengthPrefixed()
    const sizes = Array.from({ length: 3000 }, (_, i) => 1 + (i * 37) % 3000)
    const wire = concat(sizes.map((size, i) => Either.getOrThrow(framer.encodeFrame(frameOf(size, i)))))
    const frames: Array<Uint8Array> = []
    const decoder = framer.decoder()
    // 61-byte chunks: almost every frame spans two or more, and is assembled
    for (const chunk of cut(wire, [61])) decoder.push(chunk, frames)
    expect(frames.length).toBe(sizes.length)
    expect(frames.every((frame, i) => Buffer.from(frame).equals(Buffer.from(frameOf(sizes[i]!, i))))).toBe(true)
    // a kept frame keeps at most an 8 KiB slab alive, as Buffer.allocUnsafe's pool would; frames share slabs,
    // 8-byte aligned as in Node's pool
    expect(frames.every((frame) => frame.buffer.byteLength <= 8 * KiB)).toBe(true)
    const assembled = frames.filter((frame) => frame.buffer.byteLength > 61)
    const bytes = assembled.reduce((total, frame) => total + frame.length, 0)
    expect(new Set(assembled.map((frame) => frame.buffer)).size).toBeLessThanOrEqual(Math.ceil(bytes / (4 * KiB)) + 1)
    expect(assembled.every((frame) => frame.byteOffset % 8 === 0)).toBe(true)
    // no two frames share a byte: write over each, then every other frame still has its own bytes
    const byBuffer = new Map<ArrayBufferLike, Array<Uint8Array>>()
    for (const frame of frames) byBuffer.set(frame.buffer, [...(byBuffer.get(frame.buffer) ?? []), frame])
    for (const together of byBuffer.values()) {
      const spans = together.map((f) => [f.byteOffset, f.byteOffset + f.length] as const).sort((a, b) => a[0] - b[0])
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1])
    }
    for (const frame of frames) frame.fill(0)
    frames.forEach((frame, i) => frame.set(frameOf(sizes[i]!, i)))
    expect(frames.every((frame, i) => Buffer.from(frame).equals(Buffer.from(frameOf(sizes[i]!, i))))).toBe(true)
  })
})
