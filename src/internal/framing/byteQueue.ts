import { unfilled, view } from "./alloc.js"
import { failureTable, step } from "./kmp.js"

/**
 * A resumable search for a delimiter in a `ByteQueue`, made by
 * `ByteQueue.search`.
 *
 * @since 0.2.0
 * @category models
 */
export interface DelimiterSearch {
  /** The bytes searched for. @since 0.2.0 */
  readonly delimiter: Uint8Array
  /**
   * Position (from the front of the queue) where the next delimiter starts,
   * or -1 if the queued bytes hold none yet. Each byte is scanned once over
   * the life of the search: call it again after every `push`, and it resumes
   * where it stopped, a delimiter split across chunks included. After a hit it
   * goes on after that delimiter; bytes consumed from the queue in between are
   * simply no longer searched.
   *
   * @since 0.2.0
   */
  next(): number
  /**
   * How many bytes at the end of the queue form the start of a delimiter
   * (after `next()` returned -1): the bytes before them can no longer be
   * part of one, which is what a size limit should count.
   *
   * @since 0.2.0
   */
  readonly partial: number
}

/**
 * Pending input bytes as the list of chunks they arrived in, never
 * re-concatenated: consuming bytes that lie in one chunk yields a view of it,
 * and bytes that span chunks are copied once (into unzeroed memory, carved
 * from a shared 8 KiB slab below 4 KiB, as `Buffer.allocUnsafe` carves Node's
 * pool; a frame kept for long keeps that slab alive, as a view keeps its
 * chunk). Positions are offsets from the first unconsumed byte. The queue
 * keeps the pushed chunks themselves (no copy): do not change a chunk after
 * pushing it.
 *
 * Small chunks (under 1 KiB) that arrive while bytes are already pending are
 * copied into buffers of the queue's own, so that a peer sending one byte per
 * TCP segment cannot make each pending byte cost a whole chunk object (about
 * 100 to 200 bytes of heap): whatever the chunking, the memory held for
 * pending bytes stays under twice their number plus a fixed amount (16 KiB
 * and one chunk). Larger chunks, and a chunk pushed into an empty queue (the
 * usual case of a chunk holding whole frames), are kept as they are.
 *
 * Every operation costs at most the bytes it touches (a copied byte is
 * copied at most twice), so a decoder built on it stays linear in its input
 * however the input is chunked.
 *
 * @example
 * ```ts
 * import { Framing } from "effect-net"
 *
 * const queue = new Framing.ByteQueue()
 * queue.push(Uint8Array.of(0x00))
 * queue.push(Uint8Array.of(0x03, 0x61, 0x62, 0x63)) // a 2-byte header split across chunks
 * queue.readUInt(0, 2)   // 3
 * queue.skip(2)
 * queue.take(3)          // "abc", a view of the second chunk
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export class ByteQueue {
  private chunks: Array<Uint8Array> = []
  /** index of the first live chunk in `chunks` */
  private head = 0
  /** bytes of `chunks[head]` already consumed */
  private offset = 0
  private size = 0
  /** bytes consumed since the queue was made: the absolute positions searches resume from */
  private consumed = 0
  /**
   * The queue's own buffer small chunks are copied into, and the view of its
   * filled part that is the last chunk while it takes more; `chunks` never
   * holds its spare room. (Sizes are kept here: reading `.buffer` of a small
   * typed array makes V8 move it off its heap.)
   */
  private tail: Uint8Array | undefined = undefined
  private tailView: Uint8Array | undefined = undefined
  private tailFill = 0
  /**
   * The front chunk's `buffer` and `byteOffset`, read once per chunk rather
   * than once per frame cut from it (on a Node `Buffer` that getter costs as
   * much as the rest of a short frame's work). Dropped as soon as that chunk
   * leaves the front, so it never keeps a consumed chunk alive.
   */
  private front: Uint8Array | undefined = undefined
  private frontBuffer: ArrayBufferLike | undefined = undefined
  private frontOffset = 0

  /**
   * Bytes in the queue.
   *
   * @since 0.2.0
   */
  get length(): number {
    return this.size
  }

  /**
   * Append a chunk (kept, not copied). Empty chunks are ignored.
   *
   * @since 0.2.0
   */
  push(chunk: Uint8Array): void {
    const n = chunk.length
    if (n === 0) return
    if (n < SMALL && this.size > 0) {
      this.append(chunk)
    } else {
      this.closeTail()
      this.chunks.push(chunk)
    }
    this.size += n
  }

  /** Copy a small chunk into the tail buffer, starting a new one (twice as large, up to 16 KiB) when it is full. */
  private append(chunk: Uint8Array): void {
    const chunks = this.chunks
    let open = this.isTailOpen()
    let written = 0
    while (written < chunk.length) {
      if (!open || this.tailFill === this.tail!.length) {
        // a full tail means a run of small chunks: grow; else start small again
        const capacity = open ? Math.min(TAIL_MAX, this.tail!.length * 2) : TAIL_MIN
        // zero-filled: its spare room is not overwritten at once, and must never show old memory
        this.tail = new Uint8Array(capacity)
        this.tailFill = 0
        chunks.push(this.tail)
        open = true
      }
      const tail = this.tail!
      const count = Math.min(chunk.length - written, tail.length - this.tailFill)
      tail.set(count === chunk.length ? chunk : chunk.subarray(written, written + count), this.tailFill)
      this.tailFill += count
      this.tailView = view(tail, 0, this.tailFill)
      chunks[chunks.length - 1] = this.tailView
      written += count
    }
  }

  /** Whether the tail buffer is still the last chunk, taking more. */
  private isTailOpen(): boolean {
    return this.tailView !== undefined && this.chunks[this.chunks.length - 1] === this.tailView
  }

  /**
   * A large chunk follows the tail buffer: no more bytes go into it. If much
   * of it is spare room, its bytes move to a buffer of their exact size, so
   * small chunks between large ones cannot each hold a mostly empty buffer.
   */
  private closeTail(): void {
    const open = this.isTailOpen()
    const filled = this.tailFill
    const capacity = open ? this.tail!.length : 0
    this.tail = this.tailView = undefined
    if (!open || filled * 4 >= capacity * 3) return
    const last = this.chunks.length - 1
    const from = last === this.head ? this.offset : 0
    const exact = unfilled(filled - from)
    exact.set(view(this.chunks[last]!, from, filled - from), 0)
    this.chunks[last] = exact
    this.front = this.frontBuffer = undefined
    if (last === this.head) this.offset = 0
  }

  /**
   * The byte at `pos` (0 <= pos < length), located from whichever end of the
   * queue is nearer.
   *
   * @since 0.2.0
   */
  byteAt(pos: number): number {
    this.check(pos, 1)
    let i: number
    let p: number
    if (pos * 2 < this.size) {
      i = this.head
      p = pos + this.offset
      while (p >= this.chunks[i]!.length) p -= this.chunks[i++]!.length
    } else {
      i = this.chunks.length - 1
      p = pos - (this.size - this.chunks[i]!.length)
      while (p < 0) p += this.chunks[--i]!.length
    }
    return this.chunks[i]![p]!
  }

  /**
   * The unsigned integer of `size` bytes (1 to 8) at `pos`, big-endian unless
   * `littleEndian` (as `DataView`), wherever the chunks were cut. Values of
   * 8-byte fields above 2^53 lose precision.
   *
   * @since 0.2.0
   */
  readUInt(pos: number, size: number, littleEndian = false): number {
    this.check(pos, size)
    const first = this.chunks[this.head]!
    const start = this.offset + pos
    if (start + size <= first.length) return readUIntAt(first, start, size, littleEndian)
    let value = 0
    for (let k = 0; k < size; k++) value = value * 256 + this.byteAt(pos + (littleEndian ? size - 1 - k : k))
    return value
  }

  /**
   * Remove and return the first `n` bytes (n <= length): a view of the first
   * chunk if they lie in it, else one copy (unzeroed, pooled below 4 KiB).
   *
   * @since 0.2.0
   */
  take(n: number): Uint8Array {
    this.check(0, n)
    const first = this.chunks[this.head]
    if (n === 0 || first === undefined) return new Uint8Array(0)
    if (this.offset + n <= first.length) {
      const frame = this.viewOfFront(first, this.offset, n)
      this.advance(n)
      return frame
    }
    // every byte of it is written at once: no zero fill, and a shared slab for a small frame
    const frame = unfilled(n)
    this.takeInto(frame, 0, n)
    return frame
  }

  /**
   * Remove the first `n` bytes (n <= length), copying them into `target` at
   * `at` (`at + n <= target.length`): to assemble a frame whose size is known
   * in a buffer of its own, where the bytes still to arrive are copied
   * straight in, so that no byte is copied twice.
   *
   * @since 0.2.0
   */
  takeInto(target: Uint8Array, at: number, n: number): void {
    this.check(0, n)
    if (!(at >= 0 && at + n <= target.length)) {
      throw new RangeError(`ByteQueue: ${n} bytes do not fit at ${at} in a target of ${target.length}`)
    }
    let written = 0
    while (written < n) {
      const chunk = this.chunks[this.head]!
      const count = Math.min(n - written, chunk.length - this.offset)
      // `set`, not a byte loop: this is public, and `target` may overlap the queued bytes
      target.set(count === chunk.length ? chunk : view(chunk, this.offset, count), at + written)
      written += count
      this.advance(count)
    }
  }

  /**
   * Drop `skip` bytes, then remove and return the next `n` (skip + n <=
   * length): a header and its frame in one step.
   *
   * @since 0.2.0
   */
  takeAfter(skip: number, n: number): Uint8Array {
    this.check(0, skip + n)
    const first = this.chunks[this.head]
    if (n > 0 && first !== undefined && this.offset + skip + n <= first.length) {
      const frame = this.viewOfFront(first, this.offset + skip, n)
      this.advance(skip + n)
      return frame
    }
    this.skip(skip)
    return this.take(n)
  }

  /**
   * Drop the first `n` bytes (n <= length).
   *
   * @since 0.2.0
   */
  skip(n: number): void {
    this.check(0, n)
    while (n > 0) {
      const count = Math.min(n, this.chunks[this.head]!.length - this.offset)
      this.advance(count)
      n -= count
    }
  }

  /**
   * A resumable search for `delimiter` (non-empty; a string is UTF-8) over
   * this queue, Knuth-Morris-Pratt: every byte is looked at once whatever
   * the delimiter's length and the chunking.
   *
   * @example
   * ```ts
   * import { Framing } from "effect-net"
   *
   * const queue = new Framing.ByteQueue()
   * const crlf = queue.search("\r\n")
   * queue.push(new TextEncoder().encode("GET / HTTP/1.1\r"))
   * crlf.next()   // -1: the "\r" is kept as a partial match (crlf.partial === 1)
   * queue.push(new TextEncoder().encode("\nHost: x\r\n"))
   * crlf.next()   // 14
   * ```
   *
   * @since 0.2.0
   */
  search(delimiter: Uint8Array | string): DelimiterSearch {
    const needle = typeof delimiter === "string" ? new TextEncoder().encode(delimiter) : Uint8Array.from(delimiter)
    if (needle.length === 0) throw new RangeError("the delimiter of a search must not be empty")
    const fallback = failureTable(needle)
    /** absolute position of the next byte to scan, and the delimiter bytes matched just before it */
    let scanned = this.consumed
    let matched = 0
    const next = (): number => {
      const front = this.consumed
      if (scanned < front) {
        scanned = front
        matched = 0
      } else {
        // consumed bytes are no longer part of a match: fall back to the longest one still queued
        while (matched > scanned - front) matched = fallback[matched]!
      }
      let at = scanned - front
      if (at >= this.size) return -1
      // the unscanned bytes are the newest: find their chunk from the tail
      let i = this.chunks.length - 1
      let p = at - (this.size - this.chunks[i]!.length)
      while (p < 0) p += this.chunks[--i]!.length
      let chunkStart = at - p
      for (; i < this.chunks.length; i++, p = 0) {
        const chunk = this.chunks[i]!
        while (p < chunk.length) {
          if (matched === 0) {
            p = chunk.indexOf(needle[0]!, p)
            if (p < 0) break
          }
          matched = step(matched, chunk[p++]!, needle, fallback)
          if (matched === needle.length) {
            matched = 0
            at = chunkStart + p
            scanned = front + at
            return at - needle.length
          }
        }
        chunkStart += chunk.length
      }
      scanned = front + this.size
      return -1
    }
    return {
      delimiter: needle,
      next,
      get partial() {
        return matched
      }
    }
  }

  /** `n` bytes of the front chunk `first` from `at`, as a plain view of it. */
  private viewOfFront(first: Uint8Array, at: number, n: number): Uint8Array {
    if (first !== this.front) {
      this.front = first
      this.frontBuffer = first.buffer
      this.frontOffset = first.byteOffset
    }
    return new Uint8Array(this.frontBuffer!, this.frontOffset + at, n)
  }

  private check(pos: number, n: number): void {
    if (!(pos >= 0 && n >= 0 && pos + n <= this.size)) {
      throw new RangeError(`ByteQueue: ${n} bytes at ${pos} are outside the ${this.size} queued`)
    }
    if (!Number.isInteger(pos) || !Number.isInteger(n)) {
      throw new RangeError(`ByteQueue: ${n} bytes at ${pos}: positions and counts are whole numbers`)
    }
  }

  private advance(n: number): void {
    this.size -= n
    this.consumed += n
    this.offset += n
    if (this.offset === this.chunks[this.head]!.length) {
      this.offset = 0
      // the slot let go at once: a queue that never empties (a line split across every chunk) kept up to
      // 1024 consumed chunks alive until the array was compacted
      this.chunks[this.head++] = CONSUMED
      this.front = this.frontBuffer = undefined
      if (this.head === this.chunks.length) {
        // emptied in place, not replaced by a fresh []: V8 pretenured that literal (its arrays often outlive
        // a scavenge), and each one then born in the old generation kept the young chunk views it held alive
        // until the next mark-compact (bench/promotion.ts, PROFILE.md "After 5")
        this.chunks.length = 0
        this.head = 0
      } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.head)
        this.head = 0
      }
    }
  }
}

/**
 * The unsigned integer of `size` bytes at `bytes[start]` (all there), as
 * `ByteQueue.readUInt`: value * 256 + byte, exact up to 2^53, and no
 * Math.pow per byte on the per-frame path.
 *
 * @internal
 */
export const readUIntAt = (bytes: Uint8Array, start: number, size: number, littleEndian: boolean): number => {
  // the usual field sizes without a loop: read once per frame on the decoder's direct path
  if (size === 4) {
    return littleEndian
      ? bytes[start + 3]! * 0x1000000 + ((bytes[start + 2]! << 16) | (bytes[start + 1]! << 8) | bytes[start]!)
      : bytes[start]! * 0x1000000 + ((bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!)
  }
  if (size === 2) {
    return littleEndian ? (bytes[start + 1]! << 8) | bytes[start]! : (bytes[start]! << 8) | bytes[start + 1]!
  }
  let value = 0
  if (littleEndian) for (let k = start + size - 1; k >= start; k--) value = value * 256 + bytes[k]!
  else for (let k = start; k < start + size; k++) value = value * 256 + bytes[k]!
  return value
}

/** What a consumed chunk's slot holds until the array is emptied or compacted. */
const CONSUMED = new Uint8Array(0)

/**
 * Chunks shorter than this are copied into the tail buffer when bytes are pending.
 *
 * @internal
 */
export const SMALL = 1024
/** above V8's 64-byte limit for typed arrays kept on its heap */
const TAIL_MIN = 128
const TAIL_MAX = 16 * 1024
