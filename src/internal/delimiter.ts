import { ByteQueue } from "./byteQueue.js"
import type { Decoder } from "./decoder.js"
import { FrameTooLargeError, type FramingError, MalformedFrameError, TruncatedFrameError } from "./errors.js"

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
export class DelimiterDecoder implements Decoder<Uint8Array, Uint8Array, FramingError> {
  private readonly queue = new ByteQueue()
  /** where the next delimiter search starts: earlier bytes were searched already */
  private scanFrom = 0
  /** dropping an oversized frame until its delimiter arrives */
  private discarding = false
  private discarded = 0

  constructor(private readonly config: DelimiterConfig) {}

  push(chunk: Uint8Array, out: Array<Uint8Array>): FramingError | undefined {
    const { queue, config } = this
    const delimiterLength = config.delimiter.length
    queue.push(chunk)
    for (;;) {
      const at = queue.indexOf(config.delimiter, this.scanFrom)
      if (at < 0) {
        const settled = queue.length - this.delimiterPrefixAtEnd()
        if (this.discarding) {
          queue.skip(settled)
          this.discarded += settled
          this.scanFrom = 0
        } else if (this.contentAtLeast(settled) > config.maxFrameLength) {
          if (!config.skipOversize) return this.tooLarge()
          queue.skip(settled)
          this.discarding = true
          this.discarded = settled
          this.scanFrom = 0
        } else {
          this.scanFrom = settled
        }
        return undefined
      }
      this.scanFrom = 0
      if (this.discarding) {
        queue.skip(at + delimiterLength)
        this.discarding = false
        continue
      }
      const length = config.stripCr && at > 0 && queue.byteAt(at - 1) === CR ? at - 1 : at
      if (length > config.maxFrameLength) {
        if (!config.skipOversize) return this.tooLarge()
        queue.skip(at + delimiterLength)
        continue
      }
      out.push(queue.take(length))
      queue.skip(at - length + delimiterLength)
    }
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

  /** length of the longest tail of the queue that a delimiter may continue */
  private delimiterPrefixAtEnd(): number {
    const { queue, config: { delimiter } } = this
    for (let k = Math.min(delimiter.length - 1, queue.length); k > 0; k--) {
      let j = 0
      while (j < k && queue.byteAt(queue.length - k + j) === delimiter[j]) j++
      if (j === k) return k
    }
    return 0
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
export const encodeFrame =
  (config: DelimiterConfig) => (frame: Uint8Array): Uint8Array | FramingError => {
    if (frame.length > config.maxFrameLength) {
      return new FrameTooLargeError({ length: frame.length, maxFrameLength: config.maxFrameLength })
    }
    if (config.stripCr && frame.length > 0 && frame[frame.length - 1] === CR) {
      return new MalformedFrameError({ reason: "line ends with \\r, which decoding would drop" })
    }
    const wire = new Uint8Array(frame.length + config.delimiter.length)
    wire.set(frame, 0)
    wire.set(config.delimiter, frame.length)
    // the first delimiter must be the appended one, also where it overlaps the frame's tail
    if (indexOf(wire, config.delimiter) !== frame.length) {
      return new MalformedFrameError({ reason: "frame contains the delimiter" })
    }
    return wire
  }

const indexOf = (haystack: Uint8Array, needle: Uint8Array): number => {
  const first = needle[0]!
  for (let p = haystack.indexOf(first); p >= 0 && p + needle.length <= haystack.length; p = haystack.indexOf(first, p + 1)) {
    let k = 1
    while (k < needle.length && haystack[p + k] === needle[k]) k++
    if (k === needle.length) return p
  }
  return -1
}
