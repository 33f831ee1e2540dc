import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as Framing from "../../src/Framing.js"
import { cutAt, cutPoints } from "../../src/testing.js"
import { bytes, latin1 } from "../util/bytes.js"
import { collect, liveArrayBufferBytes } from "../util/gc.js"

const queueOf = (...chunks: ReadonlyArray<string>) => {
  const queue = new Framing.ByteQueue()
  for (const chunk of chunks) queue.push(bytes(chunk))
  return queue
}

describe("Framing.ByteQueue", () => {
  it("length counts what was pushed and not consumed; empty chunks are ignored", () => {
    const queue = queueOf("ab", "", "cde")
    expect(queue.length).toBe(5)
    queue.skip(3)
    expect(queue.length).toBe(2)
    expect(latin1(queue.take(2))).toBe("de")
    expect(queue.length).toBe(0)
  })

  it("byteAt reads across chunks, from either end", () => {
    const queue = queueOf("a", "bc", "def")
    expect(Array.from({ length: 6 }, (_, i) => String.fromCharCode(queue.byteAt(i))).join("")).toBe("abcdef")
    queue.skip(2)
    expect(String.fromCharCode(queue.byteAt(0), queue.byteAt(3))).toBe("cf")
  })

  it("readUInt: a header split across chunks, both byte orders, up to 8 bytes", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes([0x01]))
    queue.push(bytes([0x02, 0x03]))
    queue.push(bytes([0x04, 0x05, 0x06, 0x07, 0x08]))
    expect(queue.readUInt(0, 2)).toBe(0x0102)
    expect(queue.readUInt(0, 2, true)).toBe(0x0201)
    expect(queue.readUInt(1, 4)).toBe(0x02030405)
    expect(queue.readUInt(1, 4, true)).toBe(0x05040302)
    expect(queue.readUInt(0, 8)).toBe(Number(0x0102030405060708n))
    expect(queue.readUInt(0, 3, true)).toBe(0x030201)
  })

  it("take: a view of the chunk when the bytes lie in it, one exact copy when they span chunks", () => {
    const first = bytes("abcd")
    const queue = new Framing.ByteQueue()
    queue.push(first)
    queue.push(bytes("ef"))
    const inside = queue.take(2)
    expect(inside.buffer).toBe(first.buffer)
    const spanning = queue.take(3)
    expect(latin1(spanning)).toBe("cde")
    expect(spanning.buffer).not.toBe(first.buffer)
    expect(spanning.byteLength).toBe(3)
    expect(latin1(queue.takeAfter(0, 1))).toBe("f")
    expect(queue.take(0).length).toBe(0)
  })

  it("takeAfter drops a header and takes the body in one step", () => {
    const queue = queueOf("\x02", "hi", "\x01x")
    expect(latin1(queue.takeAfter(1, 2))).toBe("hi")
    expect(latin1(queue.takeAfter(1, 1))).toBe("x")
  })

  it("reading or consuming past the end is a RangeError, not undefined bytes", () => {
    const queue = queueOf("ab")
    expect(() => queue.byteAt(2)).toThrow(RangeError)
    expect(() => queue.byteAt(-1)).toThrow(RangeError)
    expect(() => queue.readUInt(1, 2)).toThrow(RangeError)
    expect(() => queue.take(3)).toThrow(RangeError)
    expect(() => queue.skip(3)).toThrow(RangeError)
    expect(() => queue.takeAfter(1, 2)).toThrow(RangeError)
    expect(queue.length).toBe(2)
  })

  it("once the queue has moved past a chunk it holds nothing of it, though frames were cut from it", async () => {
    const queue = new Framing.ByteQueue()
    const push = () => {
      // a chunk of its own memory (a Buffer from Node's pool shares an 8 KiB slab), kept as it is (the queue is empty)
      const chunk = new Uint8Array(bytes("ab\ncd\nef"))
      queue.push(chunk)
      queue.push(new Uint8Array(2048).fill(0x67))
      return new WeakRef(chunk.buffer)
    }
    const first = push()
    expect(latin1(queue.take(2))).toBe("ab")
    expect(latin1(queue.takeAfter(1, 2))).toBe("cd")
    queue.skip(1)
    // the last of it copied out with the next chunk's first byte: no frame of the next chunk has been cut yet
    expect(latin1(queue.take(3))).toBe("efg")
    // a WeakRef's target lives to the end of the job that made or read it
    await new Promise((resolve) => setImmediate(resolve))
    collect()
    expect(first.deref()).toBeUndefined()
    expect(queue.length).toBe(2047)
  })

  it("a queue that never empties holds only its pending bytes' chunks, not the ones it consumed (a line split across every chunk)", async () => {
    const queue = new Framing.ByteQueue()
    const before = await liveArrayBufferBytes()
    for (let i = 0; i < 300; i++) {
      queue.push(new Uint8Array(64 * 1024))
      // everything up to the last 10 bytes, which the next chunk's first frame needs
      queue.skip(queue.length - 10)
    }
    const held = (await liveArrayBufferBytes()) - before
    expect(queue.length).toBe(10)
    // one 64 KiB chunk (18.75 MiB, all 300, when the consumed ones stayed in their slots)
    expect(held).toBeLessThan(1024 * 1024)
  })

  it("takeInto a target that overlaps the queued bytes copies as TypedArray.set does (as if through a copy)", () => {
    const memory = Uint8Array.from({ length: 12 }, (_, i) => i + 1)
    const queue = new Framing.ByteQueue()
    queue.push(memory.subarray(0, 10))
    queue.skip(1)
    // bytes 2..10 written from index 3 on: a forward byte loop would repeat "2, 3" over what it had not read yet
    queue.takeInto(memory.subarray(3), 0, 9)
    expect(Array.from(memory)).toEqual([1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it("a position or count that is not a whole number is a RangeError, not bytes read from between two", () => {
    const queue = queueOf("abcdef")
    const whole = new RangeError("ByteQueue: 2 bytes at 0.5: positions and counts are whole numbers")
    expect(() => queue.readUInt(0.5, 2)).toThrow(whole)
    expect(() => queue.readUInt(1.5, 4)).toThrow(RangeError)
    expect(() => queue.byteAt(1.5)).toThrow(RangeError)
    expect(() => queue.take(1.5)).toThrow(RangeError)
    expect(() => queue.skip(0.5)).toThrow(RangeError)
    expect(() => queue.takeAfter(1, 1.5)).toThrow(RangeError)
    expect(() => queue.takeInto(new Uint8Array(4), 0, 2.5)).toThrow(RangeError)
    expect(queue.length).toBe(6)
    expect(queue.readUInt(1, 2)).toBe(0x6263)
  })

  describe("search", () => {
    it("finds a delimiter split across chunks and resumes after it", () => {
      const queue = new Framing.ByteQueue()
      const crlf = queue.search("\r\n")
      queue.push(bytes("GET / HTTP/1.1\r"))
      expect(crlf.next()).toBe(-1)
      expect(crlf.partial).toBe(1)
      queue.push(bytes("\nHost: x\r\n\r\n"))
      expect(crlf.next()).toBe(14)
      expect(crlf.next()).toBe(23)
      expect(crlf.next()).toBe(25)
      expect(crlf.next()).toBe(-1)
      expect(crlf.partial).toBe(0)
    })

    it("positions follow the queue as it is consumed", () => {
      const queue = queueOf("ab,cd,", "ef")
      const comma = queue.search(",")
      expect(comma.next()).toBe(2)
      expect(latin1(queue.take(3))).toBe("ab,")
      expect(comma.next()).toBe(2)
      queue.skip(3)
      expect(comma.next()).toBe(-1)
      queue.push(bytes(","))
      expect(comma.next()).toBe(2)
    })

    it("a partial match whose first bytes were consumed falls back to what is still queued", () => {
      const queue = queueOf("xaa")
      const search = queue.search("aab")
      expect(search.next()).toBe(-1)
      expect(search.partial).toBe(2)
      queue.skip(2)
      queue.push(bytes("ab"))
      // queued: "aab", the match must start at the one "a" left of the earlier two
      expect(search.next()).toBe(0)
    })

    it("skipping past the scanned bytes restarts the search at the front", () => {
      const queue = queueOf("zz")
      const search = queue.search("zz")
      expect(search.next()).toBe(0)
      queue.push(bytes("zzz"))
      queue.skip(4)
      queue.push(bytes("z"))
      expect(search.next()).toBe(0)
    })

    it("an empty delimiter is a RangeError", () => {
      expect(() => new Framing.ByteQueue().search("")).toThrow(RangeError)
    })

    it.prop(
      "finds every occurrence indexOf finds, non-overlapping, however the bytes were cut",
      [fc.array(fc.constantFrom(0x61, 0x62, 0x63), { maxLength: 60 }), fc.constantFrom("a", "ab", "aba", "abcab", "bbb"), cutPoints],
      ([data, delimiter, cuts]) => {
        const haystack = Buffer.from(data)
        const expected: Array<number> = []
        for (let at = haystack.indexOf(delimiter); at >= 0; at = haystack.indexOf(delimiter, at + delimiter.length)) {
          expected.push(at)
        }
        const queue = new Framing.ByteQueue()
        const search = queue.search(delimiter)
        const found: Array<number> = []
        for (const chunk of cutAt(Uint8Array.from(data), cuts)) {
          queue.push(chunk)
          for (let at = search.next(); at >= 0; at = search.next()) found.push(at)
        }
        expect(found).toEqual(expected)
      }
    )
  })

  describe("any chunking gives identical results (small chunks are copied into the queue's own buffers)", () => {
    /** chunk sizes around the copy threshold: 1-byte, small, just under and over 1 KiB, large */
    const chunkSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1000, max: 1100 }), fc.integer({ min: 2000, max: 5000 })), { minLength: 1, maxLength: 40 })
    /** an operation, its arguments taken modulo what is queued when it runs */
    const op = fc.tuple(fc.constantFrom("byteAt", "readUInt", "take", "skip", "takeAfter"), fc.nat(), fc.nat(), fc.boolean())
    const program = fc.array(fc.tuple(fc.nat(), op), { maxLength: 60 })

    it.prop(
      "byteAt, readUInt, take, skip and takeAfter agree with a plain array, between any pushes",
      [chunkSizes, program],
      ([sizes, ops]) => {
        const queue = new Framing.ByteQueue()
        const model: Array<number> = []
        let next = 0
        const step = ([kind, a, b, little]: [string, number, number, boolean]) => {
          const n = model.length
          if (kind === "byteAt" && n > 0) expect(queue.byteAt(a % n)).toBe(model[a % n])
          if (kind === "readUInt" && n > 0) {
            const size = 1 + (b % Math.min(6, n))
            const pos = a % (n - size + 1)
            const field = model.slice(pos, pos + size)
            if (little) field.reverse()
            expect(queue.readUInt(pos, size, little)).toBe(field.reduce((v, byte) => v * 256 + byte, 0))
          }
          if (kind === "take") expect(Array.from(queue.take(a % (n + 1)))).toEqual(model.splice(0, a % (n + 1)))
          if (kind === "skip") {
            queue.skip(a % (n + 1))
            model.splice(0, a % (n + 1))
          }
          if (kind === "takeAfter") {
            const skip = a % (n + 1)
            const count = b % (n - skip + 1)
            expect(Array.from(queue.takeAfter(skip, count))).toEqual(model.splice(0, skip + count).slice(skip))
          }
          expect(queue.length).toBe(model.length)
        }
        let o = 0
        for (const size of sizes) {
          const chunk = new Uint8Array(size).map(() => next++ % 251)
          queue.push(chunk)
          model.push(...chunk)
          // a few operations after each push, as a decoder would run
          for (let k = ops[o]?.[0] ?? 0; k % 4 !== 0 && o < ops.length; k--) step(ops[o++]![1])
        }
        while (o < ops.length) step(ops[o++]![1])
        if (model.length > 0) expect(Array.from(queue.take(model.length))).toEqual(model)
      }
    )

    it.prop(
      "a delimiter search finds the same frames however the bytes were cut, tiny and large chunks mixed",
      [fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 12 }), chunkSizes],
      ([lengths, sizes]) => {
        const wire = Uint8Array.from(lengths.flatMap((length, i) => [...new Array<number>(length).fill(0x61 + (i % 20)), 0x0a]))
        const queue = new Framing.ByteQueue()
        const lf = queue.search("\n")
        const frames: Array<number> = []
        let at = 0
        for (let i = 0; at < wire.length; i++) {
          const size = sizes[i % sizes.length]!
          queue.push(wire.slice(at, at + size))
          at += size
          for (let end = lf.next(); end >= 0; end = lf.next()) {
            const frame = queue.take(end)
            expect(frame.every((byte) => byte === 0x61 + (frames.length % 20))).toBe(true)
            frames.push(frame.length)
            queue.skip(1)
          }
        }
        expect(frames).toEqual(lengths)
        expect(queue.length).toBe(0)
      }
    )

    it("a frame taken from the queue's own buffer is never overwritten by later chunks", () => {
      const queue = new Framing.ByteQueue()
      queue.push(bytes("a"))
      queue.push(bytes("bc"))
      queue.push(bytes("d"))
      queue.skip(1)
      const frame = queue.take(2)
      expect(latin1(frame)).toBe("bc")
      for (let i = 0; i < 100; i++) queue.push(bytes("x"))
      queue.skip(queue.length)
      queue.push(bytes("y"))
      queue.push(bytes("z"))
      expect(latin1(frame)).toBe("bc")
      expect(latin1(queue.take(2))).toBe("yz")
    })
  })
})
