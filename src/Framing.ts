/**
 * Pure byte-stream framing: turn a byte stream cut anywhere into frames, and
 * frames back into bytes. Decoders are synchronous state machines lifted into
 * Stream pipelines; their output never depends on how the input was chunked.
 *
 * @since 0.1.0
 */
import { IllegalArgumentException } from "effect/Cause"
import type * as Either from "effect/Either"
import type * as Stream from "effect/Stream"
import { DelimiterDecoder, encodeFrame as encodeDelimited } from "./internal/framing/delimiter.js"
import * as errors from "./internal/framing/errors.js"
import * as internal from "./internal/framing/framer.js"
import { encodeFrame as encodeFixed, FixedHeader } from "./internal/framing/fixed.js"
import { encodeFrame as encodeLengthField, LengthFieldHeader } from "./internal/framing/lengthField.js"
import { maxBufferLength } from "./internal/framing/byteQueue.js"
import { SizedDecoder } from "./internal/framing/sized.js"
import { encodeFrame as encodeVarint, VarintHeader } from "./internal/framing/varint.js"

/**
 * Turns a byte stream into frames and frames back into bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Framer {
  /** Bytes in any chunking -> one element per frame. */
  readonly decode: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, E | FramingError, R>
  /** One element per frame -> wire bytes. */
  readonly encode: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, E | FramingError, R>
  /** One frame -> its wire bytes, without Effect. */
  readonly encodeFrame: (frame: Uint8Array) => Either.Either<Uint8Array, FramingError>
}

/**
 * The stream ended inside a frame. `expected` is the frame's size on the wire
 * when its header had been read.
 *
 * @since 0.1.0
 * @category errors
 */
export const TruncatedFrameError = errors.TruncatedFrameError
/**
 * @since 0.1.0
 * @category errors
 */
export type TruncatedFrameError = errors.TruncatedFrameError

/**
 * A frame longer than `maxFrameLength`. For `delimited` and `lines`, whose
 * frames are rejected before their end arrives, `length` is
 * `maxFrameLength + 1`.
 *
 * @since 0.1.0
 * @category errors
 */
export const FrameTooLargeError = errors.FrameTooLargeError
/**
 * @since 0.1.0
 * @category errors
 */
export type FrameTooLargeError = errors.FrameTooLargeError

/**
 * A length that cannot be right, or a frame that cannot be encoded.
 *
 * @since 0.1.0
 * @category errors
 */
export const MalformedFrameError = errors.MalformedFrameError
/**
 * @since 0.1.0
 * @category errors
 */
export type MalformedFrameError = errors.MalformedFrameError

/**
 * @since 0.1.0
 * @category errors
 */
export type FramingError = errors.FramingError

/**
 * The default `maxFrameLength` of every framer: 8 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxFrameLength = 8 * 1024 * 1024

/**
 * What to do with a frame longer than `maxFrameLength`: fail the stream
 * (default), or drop the frame without buffering it and go on.
 *
 * @since 0.1.0
 * @category models
 */
export type OnOversize = "fail" | "skip"

/**
 * @since 0.1.0
 * @category models
 */
export interface LengthPrefixedOptions {
  /** bytes before the length field; default 0 */
  readonly lengthFieldOffset?: number
  /** default 4 */
  readonly lengthFieldLength?: 1 | 2 | 3 | 4 | 8
  /** default "big" */
  readonly byteOrder?: "big" | "little"
  /** added to the field's value to give the number of bytes after the length field; default 0 */
  readonly lengthAdjustment?: number
  /** bytes removed from the front of each emitted frame; default: the whole header */
  readonly initialBytesToStrip?: number
  /** the longest frame ever emitted (after stripping); default 8 MiB */
  readonly maxFrameLength?: number
  readonly onOversize?: OnOversize
}

/**
 * Frames that carry their own length, with the options of Netty's
 * `LengthFieldBasedFrameDecoder`. Encoding writes the length field so that
 * decoding gives the frame back; stripped bytes before the length field are
 * written as zeros.
 *
 * ```text
 * lengthFieldLength: 2 (default strip: the header)
 *   +--------+----------------+        +----------------+
 *   | 00 0C  | "HELLO, WORLD" |  --->  | "HELLO, WORLD" |
 *   +--------+----------------+        +----------------+
 *
 * lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0
 *   +--------+----------+----------------+      +--------+----------+----------------+
 *   | CA FE  | 00 00 0C | "HELLO, WORLD" | ---> | CA FE  | 00 00 0C | "HELLO, WORLD" |
 *   +--------+----------+----------------+      +--------+----------+----------------+
 *
 * lengthFieldLength: 2, lengthAdjustment: -2 (the length counts itself), initialBytesToStrip: 0
 *   +--------+----------------+        +--------+----------------+
 *   | 00 0E  | "HELLO, WORLD" |  --->  | 00 0E  | "HELLO, WORLD" |
 *   +--------+----------------+        +--------+----------------+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const lengthPrefixed = (options: LengthPrefixedOptions = {}): Framer => {
  const lengthFieldOffset = options.lengthFieldOffset ?? 0
  const lengthFieldLength = options.lengthFieldLength ?? 4
  const config = {
    lengthFieldOffset,
    lengthFieldLength,
    littleEndian: oneOf("byteOrder", options.byteOrder, ["big", "little"]) === "little",
    lengthAdjustment: options.lengthAdjustment ?? 0,
    initialBytesToStrip: options.initialBytesToStrip ?? lengthFieldOffset + lengthFieldLength,
    maxFrameLength: limit(options.maxFrameLength)
  }
  // Netty's ranges (Java ints): they also keep every length computation exact in a double
  requireInt32("lengthFieldOffset", config.lengthFieldOffset, 0)
  requireInt32("initialBytesToStrip", config.initialBytesToStrip, 0)
  requireInt32("lengthAdjustment", config.lengthAdjustment, -(2 ** 31))
  if (![1, 2, 3, 4, 8].includes(lengthFieldLength)) {
    throw new IllegalArgumentException(`lengthFieldLength must be 1, 2, 3, 4 or 8, got ${lengthFieldLength}`)
  }
  const sized = { maxFrameLength: config.maxFrameLength, skipOversize: skips(options.onOversize) }
  return internal.make(
    () => new SizedDecoder(new LengthFieldHeader(config), sized),
    encodeLengthField(config)
  )
}

/**
 * @since 0.1.0
 * @category models
 */
export interface VarintOptions {
  /** the longest frame body; default 8 MiB */
  readonly maxFrameLength?: number
  readonly onOversize?: OnOversize
}

/**
 * Frames prefixed by their length as an unsigned LEB128 varint
 * (protobuf-delimited, libp2p). Non-minimal varints are accepted; one longer
 * than 10 bytes is a `MalformedFrameError`.
 *
 * ```text
 *   +--------+-----------------+        +-----------------+
 *   | AC 02  | 300 bytes       |  --->  | 300 bytes       |
 *   +--------+-----------------+        +-----------------+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const varint = (options: VarintOptions = {}): Framer => {
  const maxFrameLength = limit(options.maxFrameLength)
  const sized = { maxFrameLength, skipOversize: skips(options.onOversize) }
  return internal.make(() => new SizedDecoder(new VarintHeader(), sized), encodeVarint(maxFrameLength))
}

/**
 * @since 0.1.0
 * @category models
 */
export interface DelimitedOptions {
  /** any non-empty byte sequence; a string is taken as UTF-8 */
  readonly delimiter: Uint8Array | string
  /** the longest frame, delimiter excluded; default 8 MiB */
  readonly maxFrameLength?: number
  readonly onOversize?: OnOversize
  /** emit bytes after the last delimiter as a final frame instead of failing; default false */
  readonly emitTrailing?: boolean
}

/**
 * Frames that end with a delimiter, which is removed. Encoding appends it and
 * refuses a frame that contains it.
 *
 * ```text
 * delimiter: "\0"
 *   +-----------+-------+        +-------+-------+
 *   | "ABC" 00  | "DEF" |  --->  | "ABC" | "DEF" |   (emitTrailing: true)
 *   +-----------+-------+        +-------+-------+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const delimited = (options: DelimitedOptions): Framer => {
  const delimiter = typeof options.delimiter === "string"
    ? new TextEncoder().encode(options.delimiter)
    : Uint8Array.from(options.delimiter)
  if (delimiter.length === 0) throw new IllegalArgumentException("delimiter must not be empty")
  return delimiterFramer(delimiter, false, options)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LinesOptions {
  /** the longest line, line ending excluded; default 8 MiB */
  readonly maxFrameLength?: number
  readonly onOversize?: OnOversize
  /** emit text after the last line ending as a final line instead of failing; default false */
  readonly emitTrailing?: boolean
}

/**
 * Text lines as bytes: split on `\n`, and a `\r` right before it is dropped.
 * Encoding appends `\n`. Pipe the frames through `Utf8.decodeFrames` for
 * strings.
 *
 * ```text
 *   +------------------+        +---------+-------+
 *   | "hello\r\nyou\n" |  --->  | "hello" | "you" |
 *   +------------------+        +---------+-------+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const lines = (options: LinesOptions = {}): Framer => delimiterFramer(LF, true, options)

const LF = new Uint8Array([0x0a])

const delimiterFramer = (
  delimiter: Uint8Array,
  stripCr: boolean,
  options: LinesOptions
): Framer => {
  const config = {
    delimiter,
    stripCr,
    maxFrameLength: limit(options.maxFrameLength),
    skipOversize: skips(options.onOversize),
    emitTrailing: options.emitTrailing ?? false
  }
  return internal.make(() => new DelimiterDecoder(config), encodeDelimited(config))
}

/**
 * Frames of exactly `size` bytes. Encoding refuses a frame of another size.
 *
 * ```text
 * size: 3
 *   +----+-----+-----+----+        +-----+-----+-----+
 *   | A | BC | DEFG | HI |  --->  | ABC | DEF | GHI |
 *   +----+-----+-----+----+        +-----+-----+-----+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fixedLength = (size: number): Framer => {
  if (!Number.isSafeInteger(size) || size < 1 || size > maxBufferLength) {
    throw new IllegalArgumentException(`size must be a positive integer no larger than ${maxBufferLength}, got ${size}`)
  }
  const sized = { maxFrameLength: size, skipOversize: false }
  return internal.make(() => new SizedDecoder(new FixedHeader(size), sized), encodeFixed(size))
}

const skips = (onOversize: OnOversize | undefined): boolean =>
  oneOf("onOversize", onOversize, ["fail", "skip"]) === "skip"

const oneOf = <A extends string>(name: string, value: A | undefined, allowed: ReadonlyArray<A>): A | undefined => {
  if (value !== undefined && !allowed.includes(value)) {
    throw new IllegalArgumentException(`${name} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${value}`)
  }
  return value
}

const requireInt32 = (name: string, value: number, min: number): void => {
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new IllegalArgumentException(`${name} must be an integer from ${min} to 2^31 - 1, got ${value}`)
  }
}

/** `Infinity` is no limit of our own; Node's largest buffer is a limit all the same. */
const limit = (maxFrameLength: number | undefined): number => {
  const value = maxFrameLength ?? defaultMaxFrameLength
  if (value === Number.POSITIVE_INFINITY) return maxBufferLength
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new IllegalArgumentException(`maxFrameLength must be a non-negative integer or Infinity, got ${value}`)
  }
  return Math.min(value, maxBufferLength)
}
