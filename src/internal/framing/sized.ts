import { ByteQueue } from "./byteQueue.js"
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
  /** Bytes removed from the front of the frame whose size was just read. */
  readonly strip: number
  /** Header bytes (those before the body) of the frame whose size was just read. */
  readonly headerLength: number
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
 * @internal
 */
export class SizedDecoder implements FrameDecoder {
  private readonly queue = new ByteQueue()
  /** wire size of the frame being assembled, or -1 before its header is read */
  private frameSize = -1
  /** bytes of an oversized frame still to drop as they arrive */
  private discard = 0
  /** wire size of the frame being dropped, and its bytes dropped so far (counted: sizes above 2^53 are inexact) */
  private discardSize = 0
  private discarded = 0
  private discardHeader = 0

  constructor(private readonly header: SizeHeader, private readonly options: SizedOptions) {}

  push(chunk: Uint8Array, out: Array<Uint8Array>): FramingError | undefined {
    if (this.discard > 0) {
      if (chunk.length <= this.discard) {
        this.discard -= chunk.length
        this.discarded += chunk.length
        return undefined
      }
      chunk = chunk.subarray(this.discard)
      this.discard = 0
    }
    const queue = this.queue
    queue.push(chunk)
    while (queue.length > 0) {
      if (this.frameSize < 0) {
        const size = this.header.read(queue)
        if (typeof size !== "number") return size
        if (size < 0) return undefined
        const emitted = size - this.header.strip
        if (emitted > this.options.maxFrameLength) {
          if (!this.options.skipOversize) {
            return new FrameTooLargeError({ length: emitted, maxFrameLength: this.options.maxFrameLength })
          }
          const now = Math.min(size, queue.length)
          queue.skip(now)
          this.discard = size - now
          this.discardSize = size
          this.discarded = now
          this.discardHeader = this.header.headerLength
          continue
        }
        this.frameSize = size
      }
      if (queue.length < this.frameSize) return undefined
      out.push(queue.takeAfter(this.header.strip, this.frameSize - this.header.strip))
      this.frameSize = -1
    }
    return undefined
  }

  pending(): number {
    // every complete frame has left the queue: what is in it is the unfinished one
    return this.discard > 0 ? this.discarded : this.queue.length
  }

  end(): FramingError | undefined {
    if (this.discard > 0) {
      return new TruncatedFrameError({
        received: this.discarded,
        expected: this.discardSize,
        headerLength: this.discardHeader
      })
    }
    if (this.queue.length === 0) return undefined
    return this.frameSize < 0
      ? new TruncatedFrameError({ received: this.queue.length })
      : new TruncatedFrameError({
        received: this.queue.length,
        expected: this.frameSize,
        headerLength: this.header.headerLength
      })
  }
}
