import { copyBytes, unfilled, view } from "./alloc.js"
import { ByteQueue, SMALL } from "./byteQueue.js"
import { type CountsDropped, droppedFrames } from "./dropped.js"
import {
  type FrameDecoder,
  FrameTooLargeError,
  type FramingError,
  type MalformedFrameError,
  TruncatedFrameError
} from "../../Framing.js"

/**
 * How a framer whose frames announce their own size reads the announcement.
 * Length fields, varints and fixed sizes differ only here.
 *
 * @internal
 */
export interface SizeHeader {
  /**
   * Size on the wire of the frame at the front of `queue` (header included),
   * -1 while more bytes are needed to know it, or an error for a size that
   * cannot be right.
   */
  read(queue: ByteQueue): number | MalformedFrameError
  /**
   * The same, for a header that starts at `chunk[at]` with nothing queued:
   * the size, or -1 whenever `read` would not give one (more bytes needed, or
   * an error, which `read` then reports).
   */
  readAt(chunk: Uint8Array, at: number): number
  /** Bytes removed from the front of the frame whose size was just read. */
  readonly strip: number
  /** Header bytes (those before the body) of the frame whose size was just read. */
  readonly headerLength: number
  /** The most bytes `read` can need before it gives a size or an error. */
  readonly maxLength: number
}

/** @internal */
export interface SizedOptions {
  readonly maxFrameLength: number
  readonly skipOversize: boolean
}

/**
 * The state machine shared by every size-announcing framer. The limit is
 * checked as soon as the size is known, so an absurd size fails (or starts
 * a skip) before a single body byte is buffered.
 *
 * A frame that lies in one chunk is a view of it. A frame that spans chunks
 * is assembled in unzeroed memory of its own (`assembly`), its bytes copied
 * straight in as they arrive: one copy, as a hand-written decoder does. That
 * memory is the frame when it fits in `EAGER`; a longer frame waits in the
 * queue while large chunks (1 KiB or more) come, kept there uncopied and
 * copied once when it completes, and is assembled only when a small chunk
 * comes for it (the queue would copy that chunk, and then the frame again),
 * in twice what has arrived (at least `EAGER`, at most the frame), doubled as
 * it fills. So a header alone never reserves more than `EAGER` bytes and what
 * is held stays under twice the bytes received plus `EAGER` (the memory bound
 * of the `ByteQueue`). A header split across chunks is gathered in `scratch`,
 * so the chunk completing it is not copied. Whenever nothing is pending, the
 * frames that follow are cut straight off the chunk (`direct`).
 *
 * @internal
 */
export class SizedDecoder implements FrameDecoder, CountsDropped {
  [droppedFrames] = 0
  private readonly queue = new ByteQueue()
  /** wire size of the frame being assembled, or -1 before its header is read */
  private frameSize = -1
  /** the frame assembled in memory of its own (its size, or less while it grows), and how many of its bytes have arrived */
  private assembly: Uint8Array | undefined = undefined
  private filled = 0
  /** the bytes of a header split across chunks, while the queue is empty */
  private scratch: Uint8Array | undefined = undefined
  private scratchFill = 0
  /** the queue's front is a view of `scratch`: a frame cut from it may be one too */
  private scratchQueued = false
  /** bytes of an oversized frame still to drop as they arrive */
  private discard = 0
  /** wire size of the frame being dropped, and its bytes dropped so far (counted: sizes above 2^53 are inexact) */
  private discardSize = 0
  private discarded = 0
  private discardHeader = 0

  constructor(private readonly header: SizeHeader, private readonly options: SizedOptions) {}

  push(chunk: Uint8Array, out: Array<Uint8Array>): FramingError | undefined {
    const n = chunk.length
    let at = 0
    while (at < n) {
      if (this.assembly !== undefined) {
        at = this.fill(chunk, at, out)
        continue
      }
      if (this.isIdle()) {
        at = this.direct(chunk, at, out)
        if (at === n) return undefined
      }
      if (this.discard > 0) {
        const count = Math.min(this.discard, n - at)
        this.discard -= count
        this.discarded += count
        at += count
        if (this.discard === 0) this[droppedFrames]++
        continue
      }
      const queue = this.queue
      if (this.scratchFill > 0) {
        // only the header's bytes join it: the rest of the chunk is not copied
        const count = Math.min(n - at, this.header.maxLength - this.scratchFill)
        copyBytes(this.scratch!, this.scratchFill, chunk, at, count)
        this.scratchFill += count
        at += count
        queue.push(view(this.scratch!, 0, this.scratchFill))
        this.scratchFill = 0
        this.scratchQueued = true
      } else if (this.frameSize >= 0 && n - at < SMALL && this.assemble()) {
        // a small chunk for a frame waiting in the queue, which would copy it: assemble the frame now
        continue
      } else {
        // an empty queue keeps the chunk as it is: its frames are views of it (and the bytes before `at`
        // are skipped there rather than cut off with a view of their own)
        const front = queue.length === 0 ? at : 0
        queue.push(front === at ? chunk : view(chunk, at, n - at))
        queue.skip(front)
        at = n
      }
      const error = this.drain(out)
      this.scratchQueued = false
      if (error !== undefined) return error
    }
    return undefined
  }

  /** Nothing of an unfinished frame is held: the next byte starts a header. (An assembly has a `frameSize`.) */
  private isIdle(): boolean {
    return this.queue.length === 0 && this.frameSize < 0 && this.scratchFill === 0 && this.discard === 0
  }

  /**
   * The frames at the start of a chunk that come while nothing is pending
   * (the usual case), cut as views of it with no queue in between; returns
   * where the first frame it leaves starts: one that does not end in the
   * chunk, is too large, or whose header is incomplete or wrong, all of which
   * the queue's path takes from there.
   */
  private direct(chunk: Uint8Array, at: number, out: Array<Uint8Array>): number {
    const header = this.header
    const max = this.options.maxFrameLength
    const n = chunk.length
    // read once per chunk, not per frame: `chunk.buffer` on a Buffer costs as much as the rest of a small frame
    const buffer = chunk.buffer
    const offset = chunk.byteOffset
    while (at < n) {
      const size = header.readAt(chunk, at)
      // after readAt: a varint's strip is the length of the header just read
      const strip = header.strip
      if (size < 0 || size - strip > max) return at
      if (size > n - at) return this.assembleFrom(chunk, at, size)
      // an empty frame is no view: it would keep the whole chunk alive (as the queue's `take(0)`)
      out.push(size === strip ? new Uint8Array(0) : new Uint8Array(buffer, offset + at + strip, size - strip))
      at += size
    }
    return at
  }

  /** Cut the complete frames off the queue; then start assembling the unfinished one, or gather its header. */
  private drain(out: Array<Uint8Array>): FramingError | undefined {
    const queue = this.queue
    while (queue.length > 0) {
      if (this.frameSize < 0) {
        const size = this.header.read(queue)
        if (typeof size !== "number") return size
        if (size < 0) return this.gather()
        const emitted = size - this.header.strip
        if (emitted > this.options.maxFrameLength) {
          if (!this.options.skipOversize) {
            return new FrameTooLargeError({ length: emitted, maxFrameLength: this.options.maxFrameLength })
          }
          const now = Math.min(size, queue.length)
          queue.skip(now)
          this.discard = size - now
          if (this.discard === 0) this[droppedFrames]++
          this.discardSize = size
          this.discarded = now
          this.discardHeader = this.header.headerLength
          continue
        }
        this.frameSize = size
      }
      if (queue.length < this.frameSize) {
        // a frame that fits in EAGER is assembled at once, as it would be by the first small chunk;
        // a longer one waits in the queue, where a large chunk after it is kept uncopied
        if (this.frameSize - this.header.strip <= EAGER) this.assemble()
        return undefined
      }
      // a frame short enough to lie in the gathered header bytes is a view of scratch: never write over it
      if (this.scratchQueued) this.scratch = undefined
      out.push(queue.takeAfter(this.header.strip, this.frameSize - this.header.strip))
      this.frameSize = -1
    }
    return undefined
  }

  /** Move a header split across chunks out of the queue (which may hold the whole chunk it came in) into `scratch`. */
  private gather(): undefined {
    const queue = this.queue
    const max = this.header.maxLength
    if (max > SCRATCH_MAX) return undefined
    // the queue's bytes are copied out before scratch is written over (they may be a view of it)
    if (this.scratch === undefined) this.scratch = new Uint8Array(max)
    this.scratchFill = queue.length
    queue.takeInto(this.scratch, 0, queue.length)
    return undefined
  }

  /**
   * Start assembling the unfinished frame at the front of the queue in memory
   * of its own, twice what has arrived (at least `EAGER`, at most the frame),
   * doubled as it fills. Returns whether it started: not while the queue holds
   * less than the bytes to strip.
   */
  private assemble(): boolean {
    const queue = this.queue
    const strip = this.header.strip
    const received = queue.length
    if (received < strip) return false
    queue.skip(strip)
    // unzeroed: every byte is written before the frame is emitted
    const assembly = unfilled(Math.min(this.frameSize - strip, Math.max(EAGER, received * 2)))
    this.filled = received - strip
    queue.takeInto(assembly, 0, this.filled)
    this.assembly = assembly
    return true
  }

  /**
   * The frame of `size` wire bytes that starts at `chunk[at]` and does not end
   * in it: assembled at once when it fits in `EAGER` (as `drain` would), so
   * its first bytes skip the queue. Returns where the queue's path takes over:
   * the chunk's end once assembling, `at` otherwise.
   */
  private assembleFrom(chunk: Uint8Array, at: number, size: number): number {
    const strip = this.header.strip
    const n = chunk.length
    if (size - strip > EAGER || n - at < strip) return at
    // unzeroed: every byte is written before the frame is emitted
    const assembly = unfilled(size - strip)
    this.filled = n - at - strip
    copyBytes(assembly, 0, chunk, at + strip, this.filled)
    this.assembly = assembly
    this.frameSize = size
    return n
  }

  /** Copy what the chunk has of the frame being assembled into it, emitting it once complete; returns where its bytes end. */
  private fill(chunk: Uint8Array, at: number, out: Array<Uint8Array>): number {
    const missing = this.frameSize - this.header.strip - this.filled
    const count = Math.min(missing, chunk.length - at)
    let assembly = this.assembly!
    if (this.filled + count > assembly.length) {
      // the last growth is to the frame's exact size
      const grown = unfilled(Math.min(this.filled + missing, Math.max(this.filled + count, assembly.length * 2)))
      grown.set(view(assembly, 0, this.filled), 0)
      this.assembly = assembly = grown
    }
    copyBytes(assembly, this.filled, chunk, at, count)
    this.filled += count
    if (count === missing) {
      out.push(assembly)
      this.assembly = undefined
      this.frameSize = -1
    }
    return at + count
  }

  pending(): number {
    // every complete frame has left: what is held is the unfinished one
    if (this.discard > 0) return this.discarded
    if (this.assembly !== undefined) return this.header.strip + this.filled
    return this.scratchFill + this.queue.length
  }

  end(): FramingError | undefined {
    if (this.discard > 0) {
      return new TruncatedFrameError({
        received: this.discarded,
        expected: this.discardSize,
        headerLength: this.discardHeader
      })
    }
    const received = this.pending()
    if (received === 0) return undefined
    return this.frameSize < 0
      ? new TruncatedFrameError({ received })
      : new TruncatedFrameError({ received, expected: this.frameSize, headerLength: this.header.headerLength })
  }
}

/** An assembly starts with memory for up to this many bytes, whatever size the header announced. */
const EAGER = 64 * 1024
/** Headers longer than this (a length field far into the frame) are gathered in the queue instead. */
const SCRATCH_MAX = 64
