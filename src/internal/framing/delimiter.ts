import { ByteQueue } from "./byteQueue.js"
import { type CountsDropped, droppedFrames } from "./dropped.js"
import { failureTable, firstMatchEnd, step } from "./kmp.js"
import type { FrameLayout } from "./layout.js"
import {
  type FrameDecoder,
  FrameTooLargeError,
  type FramingError,
  MalformedFrameError,
  TruncatedFrameError
} from "../../Framing.js"

const CR = 0x0d

/** @internal */
export interface DelimiterConfig {
  readonly delimiter: Uint8Array
  readonly maxFrameLength: number
  readonly skipOversize: boolean
  readonly emitTrailing: boolean
  /** lines: a `\r` right before the delimiter belongs to it */
  readonly stripCr: boolean
}

/**
 * Frames end at the first occurrence of the delimiter. The limit applies to
 * the frame without its delimiter, so a frame is known to be too long only
 * once more than `maxFrameLength` bytes have arrived that cannot be part of a
 * delimiter; a `\r` or a delimiter prefix at a chunk end never trips it.
 *
 * A frame rejected before its end has arrived has no known length: the error
 * reports `maxFrameLength + 1`, the shortest length that is too long, for
 * every frame, so the error does not depend on how the input was chunked.
 *
 * @internal
 */
export class DelimiterDecoder implements FrameDecoder, CountsDropped {
  [droppedFrames] = 0
  private readonly queue = new ByteQueue()
  /**
   * Knuth-Morris-Pratt: how many delimiter bytes the scanned input ends with.
   * Every byte is looked at once, whatever the chunking and the delimiter's
   * length, and the count is also the tail that may still start a delimiter.
   */
  private matched = 0
  private readonly fallback: Int32Array
  /** dropping an oversized frame until its delimiter arrives */
  private discarding = false
  private discarded = 0

  constructor(private readonly config: DelimiterConfig) {
    this.fallback = failureTable(config.delimiter)
  }

  push(chunk: Uint8Array, out: Array<Uint8Array>): FramingError | undefined {
    const { queue, config: { delimiter }, fallback } = this
    const last = delimiter.length
    queue.push(chunk)
    let i = 0
    while (i < chunk.length) {
      if (this.matched === 0) {
        // nothing is half-matched: jump to the next byte that can start a delimiter
        i = chunk.indexOf(delimiter[0]!, i)
        if (i < 0) break
      }
      this.matched = step(this.matched, chunk[i++]!, delimiter, fallback)
      if (this.matched === last) {
        this.matched = 0
        // the delimiter ends at chunk[i - 1]; what follows it in the queue is the rest of the chunk
        const error = this.frameEnds(queue.length - (chunk.length - i) - last, out)
        if (error !== undefined) return error
      }
    }
    return this.settle()
  }

  /** A delimiter starts at `at`: emit (or drop) the frame before it and consume both. */
  private frameEnds(at: number, out: Array<Uint8Array>): FramingError | undefined {
    const { queue, config } = this
    const through = at + config.delimiter.length
    if (this.discarding) {
      this.discarding = false
      queue.skip(through)
      this[droppedFrames]++
      return undefined
    }
    const length = config.stripCr && at > 0 && queue.byteAt(at - 1) === CR ? at - 1 : at
    if (length > config.maxFrameLength) {
      if (!config.skipOversize) return this.tooLarge()
      queue.skip(through)
      this[droppedFrames]++
      return undefined
    }
    out.push(queue.take(length))
    queue.skip(through - length)
    return undefined
  }

  /** After a chunk: bytes that can no longer be part of a delimiter count against the limit. */
  private settle(): FramingError | undefined {
    const { queue, config } = this
    const settled = queue.length - this.matched
    if (this.discarding) {
      queue.skip(settled)
      this.discarded += settled
    } else if (this.contentAtLeast(settled) > config.maxFrameLength) {
      if (!config.skipOversize) return this.tooLarge()
      queue.skip(settled)
      this.discarding = true
      this.discarded = settled
    }
    return undefined
  }

  pending(): number {
    return this.discarding ? this.discarded + this.queue.length : this.queue.length
  }

  end(out: Array<Uint8Array>): FramingError | undefined {
    const { queue, config } = this
    if (this.discarding) {
      return config.emitTrailing ? undefined : new TruncatedFrameError({ received: this.discarded + queue.length })
    }
    if (queue.length === 0) return undefined
    if (!config.emitTrailing) return new TruncatedFrameError({ received: queue.length })
    const length = this.contentAtLeast(queue.length)
    if (length > config.maxFrameLength) return config.skipOversize ? undefined : this.tooLarge()
    // tokio's LinesCodec: a lone "\r" left at the end is the remains of a line ending, not a line
    if (length > 0 || !config.stripCr) out.push(queue.take(length))
    return undefined
  }

  /** the shortest the current frame's content can turn out to be, given `settled` bytes that are surely content */
  private contentAtLeast(settled: number): number {
    return this.config.stripCr && settled > 0 && settled === this.queue.length &&
        this.queue.byteAt(settled - 1) === CR
      ? settled - 1
      : settled
  }

  private tooLarge(): FrameTooLargeError {
    return new FrameTooLargeError({
      length: this.config.maxFrameLength + 1,
      maxFrameLength: this.config.maxFrameLength
    })
  }
}

/** @internal */
export const layout = (config: DelimiterConfig): FrameLayout<FramingError> => {
  const { delimiter } = config
  const fallback = failureTable(delimiter)
  return {
    check(frame) {
      if (frame.length > config.maxFrameLength) {
        return new FrameTooLargeError({ length: frame.length, maxFrameLength: config.maxFrameLength })
      }
      if (config.stripCr && frame.length > 0 && frame[frame.length - 1] === CR) {
        return new MalformedFrameError({ reason: "line ends with \\r, which decoding would drop" })
      }
      // the first delimiter must be the appended one: none in the frame, and none across its end
      if (firstMatchEnd(frame, delimiter, fallback) >= 0 || crossesEnd(frame, delimiter, fallback)) {
        return new MalformedFrameError({ reason: "frame contains the delimiter" })
      }
      return undefined
    },
    headerLength: () => 0,
    writeHeader: () => {},
    trailer: delimiter,
    splittable: true
  }
}

/** Whether a delimiter starts in the frame's last bytes and ends before the end of the appended one. */
const crossesEnd = (frame: Uint8Array, delimiter: Uint8Array, fallback: Int32Array): boolean => {
  let matched = 0
  for (let i = Math.max(0, frame.length - delimiter.length + 1); i < frame.length; i++) {
    matched = step(matched, frame[i]!, delimiter, fallback)
  }
  for (let i = 0; i < delimiter.length - 1; i++) {
    matched = step(matched, delimiter[i]!, delimiter, fallback)
    if (matched === delimiter.length) return true
  }
  return false
}
