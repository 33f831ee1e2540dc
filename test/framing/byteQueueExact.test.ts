/**
 * ByteQueue's layout promises, checked exactly (issue 12: mutants the
 * behavioural tests cannot see): which chunks are kept and which copied,
 * the tail buffer's sizes, views versus copies, error messages.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Framing from "../../src/Framing.js"
import { bytes, latin1 } from "../util/bytes.js"

const filled = (n: number, byte: number) => new Uint8Array(n).fill(byte)

describe("Framing.ByteQueue, exactly", () => {
  it("an empty chunk pushed into an empty queue is dropped: the next chunk's bytes are still taken as a view", () => {
    const queue = new Framing.ByteQueue()
    queue.push(new Uint8Array(0))
    const chunk = bytes("ab")
    queue.push(chunk)
    expect(queue.take(2).buffer).toBe(chunk.buffer)
  })

  it("taking exactly the rest of the first chunk is a view of it", () => {
    const chunk = bytes("abcd")
    const queue = new Framing.ByteQueue()
    queue.push(chunk)
    queue.push(bytes("e"))
    queue.skip(1)
    const frame = queue.take(3)
    expect(frame.buffer).toBe(chunk.buffer)
    expect(latin1(frame)).toBe("bcd")
  })

  it("a chunk under 1 KiB arriving while bytes are pending is copied into a 128-byte buffer; one of 1 KiB is kept", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("a"))
    const small = filled(1023, 0x62)
    const large = filled(1024, 0x63)
    queue.push(small)
    queue.push(large)
    queue.skip(1)
    const copied = queue.take(1023)
    expect(copied.buffer).not.toBe(small.buffer)
    expect(copied.every((b) => b === 0x62)).toBe(true)
    expect(queue.take(1024).buffer).toBe(large.buffer)
  })

  it("consecutive small chunks share one tail buffer, which doubles from 128 bytes when full", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("a"))
    queue.push(filled(100, 1))
    queue.push(filled(28, 2))
    // the tail is full (128): the next 200 bytes go to a 256-byte one, then a 512-byte one
    queue.push(filled(300, 3))
    queue.skip(1)
    const first = queue.take(128)
    expect(first.buffer.byteLength).toBe(128)
    expect(Array.from(first.subarray(98, 102))).toEqual([1, 1, 2, 2])
    expect(queue.take(256).buffer.byteLength).toBe(256)
    expect(queue.take(44).buffer.byteLength).toBe(512)
    expect(queue.length).toBe(0)
  })

  it("a small chunk straddling a full tail continues in a buffer twice as large", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("a"))
    queue.push(filled(200, 7))
    queue.skip(1)
    expect(queue.take(128).buffer.byteLength).toBe(128)
    expect(queue.take(72).buffer.byteLength).toBe(256)
  })

  it("a tail buffer under 3/4 full is moved to an exact copy when a large chunk follows; at 3/4 it is kept", () => {
    for (const [count, kept] of [[95, false], [96, true]] as const) {
      const queue = new Framing.ByteQueue()
      queue.push(bytes("a"))
      for (let i = 0; i < count; i++) queue.push(bytes([i]))
      queue.push(filled(2000, 0xff))
      queue.skip(1)
      const frame = queue.take(count)
      expect(Array.from(frame)).toEqual(Array.from({ length: count }, (_, i) => i))
      expect(frame.buffer.byteLength === 128).toBe(kept)
    }
  })

  it("the moved tail keeps its unconsumed bytes only when it is the first chunk", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("a"))
    queue.push(bytes("bcd"))
    queue.skip(2)
    queue.push(filled(2000, 0x78))
    expect(latin1(queue.take(3))).toBe("cdx")
  })

  it("byteAt at the first byte of the last chunk, found from the tail end", () => {
    const queue = new Framing.ByteQueue()
    queue.push(filled(1024, 0x61))
    queue.push(filled(1024, 0x62))
    expect(queue.byteAt(1024)).toBe(0x62)
    expect(queue.byteAt(1023)).toBe(0x61)
    expect(queue.readUInt(1023, 2)).toBe(0x6162)
  })

  it("more than 1024 consumed chunks: the chunk list is compacted and the bytes stay right", () => {
    const queue = new Framing.ByteQueue()
    for (let i = 0; i < 1500; i++) queue.push(filled(1024, i % 251))
    for (let i = 0; i < 1500; i++) {
      expect(queue.byteAt(queue.length - 1)).toBe(1499 % 251)
      const frame = queue.take(1024)
      expect(frame[0]).toBe(i % 251)
    }
    expect(queue.length).toBe(0)
  })

  it("a byte delimiter is searched as bytes, not as its text", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("ab\ncd"))
    const search = queue.search(Uint8Array.of(0x0a))
    expect(Array.from(search.delimiter)).toEqual([0x0a])
    expect(search.next()).toBe(2)
  })

  it("a partial match whose bytes were all consumed is forgotten", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("ab"))
    const search = queue.search("abc")
    expect(search.next()).toBe(-1)
    expect(search.partial).toBe(2)
    queue.skip(2)
    queue.push(bytes("c"))
    expect(search.next()).toBe(-1)
    expect(search.partial).toBe(0)
  })

  it("error messages say which bytes were asked for", () => {
    const queue = new Framing.ByteQueue()
    queue.push(bytes("ab"))
    expect(() => queue.skip(-1)).toThrow(new RangeError("ByteQueue: -1 bytes at 0 are outside the 2 queued"))
    expect(() => queue.byteAt(2)).toThrow(new RangeError("ByteQueue: 1 bytes at 2 are outside the 2 queued"))
    expect(() => queue.search("")).toThrow(new RangeError("the delimiter of a search must not be empty"))
  })
})
