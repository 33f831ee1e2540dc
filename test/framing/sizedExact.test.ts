/**
 * Exact checks behind mutation survivors of sized.ts and fixed.ts (issue 12): a frame being assembled
 * from small chunks that then receives a chunk larger than twice its memory so far, and fixedLength's
 * encode refusal and pass-through.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"

const decodeAll = (framer: Framing.Framer, chunks: ReadonlyArray<Uint8Array>) => {
  const decoder = framer.decoder()
  const out: Array<Uint8Array> = []
  for (const chunk of chunks) expect(decoder.push(chunk, out)).toBeUndefined()
  expect(decoder.end(out)).toBeUndefined()
  return out
}

describe("sized framers: assembly growth", () => {
  it("a small chunk starts the assembly, then one chunk brings more than twice what it holds", () => {
    const body = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 7 + 3) & 0xff)
    const wire = Either.getOrThrow(Framing.lengthPrefixed({ maxFrameLength: 2 * 1024 * 1024 }).encodeFrame(body))
    // header + 10 bytes, a 100-byte chunk (small: the assembly starts at 64 KiB), then 300 KiB at once, then the rest
    const cuts = [14, 114, 114 + 300 * 1024, wire.length]
    const chunks = cuts.map((end, i) => wire.subarray(i === 0 ? 0 : cuts[i - 1], end))
    const frames = decodeAll(Framing.lengthPrefixed({ maxFrameLength: 2 * 1024 * 1024 }), chunks)
    expect(frames).toHaveLength(1)
    expect(frames[0]!.length).toBe(body.length)
    expect(Buffer.from(frames[0]!).equals(Buffer.from(body))).toBe(true)
  })
})

describe("fixedLength encoding", () => {
  it("a frame of another size is refused, with both sizes", () => {
    const got = Framing.fixedLength(4).encodeFrame(Uint8Array.of(1, 2, 3))
    expect(Either.isLeft(got) && got.left).toBeInstanceOf(Framing.MalformedFrameError)
    expect(Either.isLeft(got) && got.left).toMatchObject({ reason: "frame of 3 bytes is not 4 bytes long" })
  })

  it("a frame of the size goes out as it is: no header, no trailer, no copy", () => {
    const frame = Uint8Array.of(1, 2, 3, 4)
    expect(Either.getOrThrow(Framing.fixedLength(4).encodeFrame(frame))).toBe(frame)
  })
})

describe("ByteQueue.takeInto", () => {
  const queueOf = (...chunks: Array<Array<number>>) => {
    const queue = new Framing.ByteQueue()
    for (const chunk of chunks) queue.push(Uint8Array.from(chunk))
    return queue
  }

  it("copies across chunks at the given offset and removes what it took", () => {
    const queue = queueOf([1, 2], [3, 4, 5])
    const target = new Uint8Array(6)
    queue.takeInto(target, 1, 4)
    expect(Array.from(target)).toEqual([0, 1, 2, 3, 4, 0])
    expect(queue.length).toBe(1)
    expect(queue.byteAt(0)).toBe(5)
  })

  it.each([
    [-1, 2, 4, "ByteQueue: 2 bytes do not fit at -1 in a target of 4"],
    [3, 2, 4, "ByteQueue: 2 bytes do not fit at 3 in a target of 4"],
    [0, 3, 2, "ByteQueue: 3 bytes do not fit at 0 in a target of 2"]
  ])("at %i, %i bytes into %i: a RangeError, and nothing is taken", (at, n, size, message) => {
    const queue = queueOf([1, 2], [3])
    const target = new Uint8Array(size)
    expect(() => queue.takeInto(target, at, n)).toThrow(new RangeError(message))
    expect(queue.length).toBe(3)
    expect(Array.from(target)).toEqual(new Array(size).fill(0))
  })
})

describe("sized framers: frames cut straight off a chunk while nothing is pending", () => {
  const body = (_: Framing.Framer, wire: Uint8Array) => wire.subarray(wire.length - 3)
  const kept = (_: Framing.Framer, wire: Uint8Array) => wire
  const framers: ReadonlyArray<[string, Framing.Framer, typeof body]> = [
    ["lengthPrefixed()", Framing.lengthPrefixed(), body],
    [
      "lengthPrefixed, little-endian 2-byte field at offset 1, header kept",
      Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, byteOrder: "little", initialBytesToStrip: 0 }),
      kept
    ],
    ["varint()", Framing.varint(), body],
    ["fixedLength(3)", Framing.fixedLength(3), body]
  ]
  for (const [name, framer, expected] of framers) {
    it(`${name}: whole frames as views of the chunk, then half a frame handed to the queue, completed by the next chunk`, () => {
      const wires = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((bytes) => Either.getOrThrow(framer.encodeFrame(Uint8Array.from(bytes))))
      const wire = Buffer.concat(wires)
      const first = wire.subarray(0, wire.length - 2)
      const frames = decodeAll(framer, [first, wire.subarray(wire.length - 2)])
      expect(frames.map((frame) => Array.from(frame))).toEqual(wires.map((w) => Array.from(expected(framer, w))))
      // the first two lie in the first chunk: views of it, not copies
      expect(frames[0]!.buffer).toBe(first.buffer)
      expect(frames[1]!.buffer).toBe(first.buffer)
    })
  }

  it("an empty frame is not a view: it keeps no chunk alive, on the direct path as on the queue's", () => {
    const framer = Framing.lengthPrefixed()
    const direct = decodeAll(framer, [Buffer.from([0, 0, 0, 0]), Buffer.from([0, 0, 0, 0])])
    expect(direct.map((frame) => frame.buffer.byteLength)).toEqual([0, 0])
    const queued = decodeAll(framer, [Buffer.from([0, 0]), Buffer.alloc(64 * 1024).subarray(0, 2)])
    expect(queued.map((frame) => frame.buffer.byteLength)).toEqual([0])
  })
})
