import { constants } from "node:buffer"

/**
 * The longest frame that can be allocated at all.
 *
 * @internal
 */
export const maxBufferLength: number = constants.MAX_LENGTH

/**
 * Pending input bytes as a list of the chunks they arrived in, never
 * re-concatenated: consuming a frame that lies in the first chunk yields a
 * view of it, and a frame that spans chunks is copied once into a buffer of
 * exactly its size. Positions are logical offsets from the first unread byte.
 *
 * @internal
 */
export class ByteQueue {
  private chunks: Array<Uint8Array> = []
  /** index of the first live chunk in `chunks` */
  private head = 0
  /** bytes of `chunks[head]` already consumed */
  private offset = 0
  /** unread bytes in total */
  length = 0

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** Byte at `pos`, located from whichever end of the queue is nearer. */
  byteAt(pos: number): number {
    let i: number
    let p: number
    if (pos * 2 < this.length) {
      i = this.head
      p = pos + this.offset
      while (p >= this.chunks[i]!.length) p -= this.chunks[i++]!.length
    } else {
      i = this.chunks.length - 1
      p = pos - (this.length - this.chunks[i]!.length)
      while (p < 0) p += this.chunks[--i]!.length
    }
    return this.chunks[i]![p]!
  }

  /** Unsigned integer of `size` bytes (1..8) at `pos`; 8-byte values above 2^53 lose precision. */
  readUInt(pos: number, size: number, littleEndian: boolean): number {
    const first = this.chunks[this.head]!
    const start = this.offset + pos
    // value * 256 + byte: exact up to 2^53, and no Math.pow per byte on the per-frame path
    let value = 0
    if (start + size <= first.length) {
      if (littleEndian) for (let k = start + size - 1; k >= start; k--) value = value * 256 + first[k]!
      else for (let k = start; k < start + size; k++) value = value * 256 + first[k]!
    } else {
      for (let k = 0; k < size; k++) value = value * 256 + this.byteAt(pos + (littleEndian ? size - 1 - k : k))
    }
    return value
  }

  /** Remove and return the first `n` bytes (n <= length). */
  take(n: number): Uint8Array {
    const first = this.chunks[this.head]
    if (n === 0 || first === undefined) return new Uint8Array(0)
    if (this.offset + n <= first.length) {
      const frame = view(first, this.offset, n)
      this.advance(n)
      return frame
    }
    const frame = new Uint8Array(n)
    let written = 0
    while (written < n) {
      const chunk = this.chunks[this.head]!
      const count = Math.min(n - written, chunk.length - this.offset)
      frame.set(count === chunk.length ? chunk : view(chunk, this.offset, count), written)
      written += count
      this.advance(count)
    }
    return frame
  }

  /** Drop `skip` bytes, then remove and return the next `n` (skip + n <= length): one step for a frame and its header. */
  takeAfter(skip: number, n: number): Uint8Array {
    const first = this.chunks[this.head]!
    if (n > 0 && this.offset + skip + n <= first.length) {
      const frame = view(first, this.offset + skip, n)
      this.advance(skip + n)
      return frame
    }
    this.skip(skip)
    return this.take(n)
  }

  /** Drop the first `n` bytes (n <= length). */
  skip(n: number): void {
    while (n > 0) {
      const count = Math.min(n, this.chunks[this.head]!.length - this.offset)
      this.advance(count)
      n -= count
    }
  }

  private advance(n: number): void {
    this.length -= n
    this.offset += n
    if (this.offset === this.chunks[this.head]!.length) {
      this.offset = 0
      this.head++
      if (this.head === this.chunks.length) {
        this.chunks = []
        this.head = 0
      } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.head)
        this.head = 0
      }
    }
  }
}

/**
 * A plain `Uint8Array` view. `subarray` on a Node `Buffer` goes through the
 * species constructor and makes a `Buffer`, several times slower per frame.
 */
const view = (chunk: Uint8Array, offset: number, length: number): Uint8Array =>
  new Uint8Array(chunk.buffer, chunk.byteOffset + offset, length)
