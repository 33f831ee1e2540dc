/**
 * Pure byte-stream framing: turn a byte stream cut anywhere into frames, and
 * frames back into bytes. Decoders are synchronous state machines lifted into
 * Stream pipelines by `make`; their output never depends on how the input was
 * chunked. The built-in framers are made with `make` too, so a custom framer
 * gets the same adapter, guarantees and property tests (`effect-net/testing`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Either from "effect/Either"
import { dual } from "effect/Function"
import type * as Stream from "effect/Stream"
import * as queue from "./internal/framing/byteQueue.js"
import { DelimiterDecoder, layout as delimitedLayout } from "./internal/framing/delimiter.js"
import { FixedHeader, layout as fixedLayout } from "./internal/framing/fixed.js"
import * as internal from "./internal/framing/framer.js"
import * as timeout from "./internal/framing/frameTimeout.js"
import { LengthFieldHeader, layout as lengthFieldLayout } from "./internal/framing/lengthField.js"
import * as options_ from "./internal/framing/options.js"
import { SizedDecoder } from "./internal/framing/sized.js"
import { layout as varintLayout, VarintHeader } from "./internal/framing/varint.js"

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/**
 * The stream ended inside a frame.
 *
 * ```text
 * lengthPrefixed({ lengthFieldLength: 2 }), the stream ends after 5 bytes:
 *   +--------+-------+ - - - - - - - +
 *   | 00 0C  | "HEL" |  (9 missing)  |   received 5, expected 14, headerLength 2:
 *   +--------+-------+ - - - - - - - +   3 of 12 body bytes
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class TruncatedFrameError extends Data.TaggedError("TruncatedFrameError")<{
  /**
   * Bytes of the unfinished frame that arrived, on the wire (header included).
   *
   * @since 0.1.0
   */
  readonly received: number
  /**
   * The frame's size on the wire, header included, when its header had been
   * read; absent when the stream ended before the size was known (inside a
   * header, or before a delimiter).
   *
   * @since 0.1.0
   */
  readonly expected?: number | undefined
  /**
   * The size of the frame's header (the bytes before its body), when it had
   * been read: the body's share of `received` and `expected` is what is left.
   *
   * @since 0.2.0
   */
  readonly headerLength?: number | undefined
}> {
  /**
   * Body bytes that arrived, when the header had been read.
   *
   * @since 0.2.0
   */
  get bodyReceived(): number | undefined {
    return this.headerLength === undefined ? undefined : this.received - this.headerLength
  }

  /**
   * Body bytes the header announced, when it had been read.
   *
   * @since 0.2.0
   */
  get bodyExpected(): number | undefined {
    return this.headerLength === undefined || this.expected === undefined
      ? undefined
      : this.expected - this.headerLength
  }

  /** @since 0.1.0 */
  override get message(): string {
    if (this.expected === undefined) return `stream ended inside a frame: ${this.received} byte${this.received === 1 ? "" : "s"} left over`
    if (this.headerLength === undefined) {
      return `stream ended inside a frame: ${this.received} of ${this.expected} bytes received`
    }
    return `stream ended inside a frame: ${this.bodyReceived} of ${this.bodyExpected} body bytes received ` +
      `(${this.received} of ${this.expected} bytes on the wire, with a ${this.headerLength}-byte header)`
  }
}

/**
 * A frame longer than `maxFrameLength`: decoding it, or encoding it.
 *
 * @since 0.1.0
 * @category errors
 */
export class FrameTooLargeError extends Data.TaggedError("FrameTooLargeError")<{
  /**
   * The frame's length as it would be emitted (after stripping, delimiter
   * excluded). For `delimited` and `lines`, whose frames are rejected before
   * their end arrives, it is `maxFrameLength + 1` whatever the frame's real
   * length, so the error does not depend on how the input was chunked.
   *
   * @since 0.1.0
   */
  readonly length: number
  /**
   * The framer's limit.
   *
   * @since 0.1.0
   */
  readonly maxFrameLength: number
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `frame of ${this.length} bytes exceeds maxFrameLength (${this.maxFrameLength})`
  }
}

/**
 * A length that cannot be right (negative after adjustment, a varint longer
 * than 10 bytes), or a frame that cannot be encoded (it contains the
 * delimiter, its length does not fit the length field).
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedFrameError extends Data.TaggedError("MalformedFrameError")<{
  /**
   * What is wrong, in words.
   *
   * @since 0.1.0
   */
  readonly reason: string
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `malformed frame: ${this.reason}`
  }
}

/**
 * A frame took longer than `withFrameTimeout` allows: its first byte arrived,
 * and its last had not arrived `timeoutMillis` later (counting the time spent
 * waiting for the peer). A peer dripping a frame one byte at a time keeps a
 * connection busy under any idle timeout; this bounds it.
 *
 * @since 0.2.0
 * @category errors
 */
export class FrameTimeoutError extends Data.TaggedError("FrameTimeoutError")<{
  /**
   * The bound, in milliseconds.
   *
   * @since 0.2.0
   */
  readonly timeoutMillis: number
  /**
   * Bytes of the unfinished frame that had arrived.
   *
   * @since 0.2.0
   */
  readonly received: number
}> {
  /** @since 0.2.0 */
  override get message(): string {
    return `frame not complete within ${this.timeoutMillis} ms of its first byte (${this.received} bytes received)`
  }
}

/**
 * Every way a built-in framer can fail (`FrameTimeoutError` only under
 * `withFrameTimeout`, which is why a timed framer is still a `Framer` and
 * goes wherever one does, e.g. `Message.json(schema, { framer })`).
 *
 * @since 0.1.0
 * @category errors
 */
export type FramingError = TruncatedFrameError | FrameTooLargeError | MalformedFrameError | FrameTimeoutError

// ---------------------------------------------------------------------------
// models
// ---------------------------------------------------------------------------

/**
 * Turns a byte stream into frames and frames back into bytes. `O` is what a
 * frame decodes to (bytes for the built-in framers), `E` how it fails.
 *
 * @since 0.1.0
 * @category models
 */
export interface Framer<O = Uint8Array, E = FramingError> {
  /**
   * A fresh state machine of this framer, for code that is handed chunks one
   * at a time outside a Stream (e.g. @effect/rpc's synchronous parser).
   *
   * @since 0.2.0
   */
  readonly decoder: () => FrameDecoder<O, E>
  /**
   * Bytes in any chunking -> one element per frame. Frames decoded before an
   * error are emitted before it.
   *
   * @since 0.1.0
   */
  readonly decode: <E2, R>(self: Stream.Stream<Uint8Array, E2, R>) => Stream.Stream<O, E2 | E, R>
  /**
   * One element per frame -> wire bytes. The built-in framers write the
   * frames of each input chunk into one buffer (one element per chunk,
   * flushed every 64 KiB), and send a frame of 16 KiB or more as its own
   * element, uncopied, between its header and its trailer, for a batched
   * socket write to send together. `make` framers emit one element per frame.
   * The bytes are the same either way. A refused frame fails the stream after
   * the frames before it; nothing of it is written.
   *
   * @since 0.1.0
   */
  readonly encode: <E2, R>(self: Stream.Stream<O, E2, R>) => Stream.Stream<Uint8Array, E2 | E, R>
  /**
   * One frame -> its wire bytes, without Effect.
   *
   * @since 0.1.0
   */
  readonly encodeFrame: (frame: O) => Either.Either<Uint8Array, E>
}

/**
 * A decoder state machine, as in tokio-util's `Decoder`: synchronous, it
 * knows nothing of Effect or I/O. `make` runs it over a whole Stream chunk in
 * a plain loop, one Effect step per pull and none per frame. Keep pending
 * bytes in a `ByteQueue` so that the work stays linear in the input.
 *
 * @since 0.2.0
 * @category models
 */
export interface FrameDecoder<O = Uint8Array, E = FramingError> {
  /**
   * Take one input chunk (any size, empty included: the peer chose where it
   * ends); append the outputs it completes to `out`; return an error to stop
   * the stream (the outputs appended before it are still emitted).
   *
   * @since 0.2.0
   */
  push(chunk: Uint8Array, out: Array<O>): E | undefined
  /**
   * End of input: leftovers become an error (usually a `TruncatedFrameError`)
   * or, where the protocol says so, a last output.
   *
   * @since 0.2.0
   */
  end(out: Array<O>): E | undefined
  /**
   * Bytes of the unfinished frame held (0 between frames), after the last
   * `push`: what `withFrameTimeout` starts its clock on. Every built-in
   * decoder has it. Without it, `withFrameTimeout` counts the bytes pushed
   * since the last output, so a chunk that completes one frame and starts the
   * next starts the next frame's clock one chunk late.
   *
   * @since 0.2.0
   */
  pending?(): number
}

/**
 * What `make` builds a framer from.
 *
 * @since 0.2.0
 * @category models
 */
export interface MakeOptions<O, E> {
  /**
   * A fresh decoder: one is made for every stream `decode` runs over.
   *
   * @since 0.2.0
   */
  readonly decoder: () => FrameDecoder<O, E>
  /**
   * One frame to its wire bytes, or the error saying why it cannot be sent.
   * Nothing of a refused frame is written. `undefined` is neither (a
   * forgotten `return`): encoding dies with a `TypeError` saying so.
   *
   * @since 0.2.0
   */
  readonly encode: (frame: O) => Uint8Array | E
}

/**
 * Pending input bytes, as the chunks they arrived in: `push`, `length`,
 * `byteAt`, `readUInt` (a header that spans chunks), `take` (a view when the
 * bytes lie in one chunk, else one copy), `takeAfter`, `takeInto` (into
 * memory of your own), `skip`, and `search`
 * (a resumable delimiter search). Nothing is re-concatenated, so a decoder
 * built on it is linear in its input. The built-in framers use it.
 *
 * @since 0.2.0
 * @category constructors
 */
export const ByteQueue: typeof queue.ByteQueue = queue.ByteQueue

/**
 * @since 0.2.0
 * @category models
 */
export type ByteQueue = queue.ByteQueue

/**
 * A resumable delimiter search over a `ByteQueue` (`queue.search(delimiter)`).
 *
 * @since 0.2.0
 * @category models
 */
export type DelimiterSearch = queue.DelimiterSearch

/**
 * Lift a decoder state machine and a per-frame encoder into a `Framer`, with
 * the same Stream adapter and chunking guarantees as the built-in framers
 * (which are made with it too). For protocols whose framing switches
 * mid-stream: Redis RESP, HTTP/1.1 head then body, memcached text lines then
 * data blocks. Give the output and error types explicitly when `push` and
 * `end` return different errors (TypeScript infers one of them, not the union).
 *
 * @example
 * ```ts
 * import { Framing } from "effect-net"
 *
 * // "<length as ASCII digits>:<bytes>," -- netstrings, e.g. "5:hello,"
 * const comma = 0x2c
 *
 * const netstrings = Framing.make<Uint8Array, Framing.FramingError>({
 *   decoder: () => {
 *     const queue = new Framing.ByteQueue()
 *     const digits = queue.search(":")
 *     let size = -1 // body length, once the header is read
 *     let header = 0
 *     return {
 *       push(chunk, out) {
 *         queue.push(chunk)
 *         for (;;) {
 *           if (size < 0) {
 *             const at = digits.next()
 *             // at most 8 header bytes before ':', whether ':' has arrived yet or not
 *             if (at < 0 ? queue.length > 8 : at > 8) {
 *               return new Framing.MalformedFrameError({ reason: "header too long" })
 *             }
 *             if (at < 0) return undefined
 *             const text = new TextDecoder().decode(queue.take(at))
 *             if (!/^\d{1,7}$/.test(text)) return new Framing.MalformedFrameError({ reason: `bad length ${text}` })
 *             queue.skip(1)
 *             size = Number(text)
 *             header = at + 1
 *           }
 *           if (queue.length < size + 1) return undefined
 *           out.push(queue.take(size))
 *           if (queue.byteAt(0) !== comma) return new Framing.MalformedFrameError({ reason: "missing ','" })
 *           queue.skip(1)
 *           size = -1
 *         }
 *       },
 *       end: () =>
 *         size >= 0
 *           ? new Framing.TruncatedFrameError({
 *             received: header + queue.length,
 *             expected: header + size + 1,
 *             headerLength: header
 *           })
 *           : queue.length > 0
 *           ? new Framing.TruncatedFrameError({ received: queue.length })
 *           : undefined
 *     }
 *   },
 *   encode: (frame: Uint8Array) => {
 *     const header = new TextEncoder().encode(`${frame.length}:`)
 *     const wire = new Uint8Array(header.length + frame.length + 1)
 *     wire.set(header, 0)
 *     wire.set(frame, header.length)
 *     wire[wire.length - 1] = comma
 *     return wire
 *   }
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: <O, E>(options: MakeOptions<O, E>) => Framer<O, E> = internal.make

/**
 * Bound the time a frame may take to arrive: once the first byte of a frame
 * is in, the rest must follow within `duration`, or `decode` fails with
 * `FrameTimeoutError`. The time between frames is not counted (an idle
 * keep-alive connection is the business of the connection's `idleTimeout`),
 * nor the time the consumer of the frames takes (only time spent waiting for
 * input counts), so it bounds the peer, not the program. `encode` and
 * `encodeFrame` are unchanged. Time is Effect's `Clock`: `TestClock` drives
 * it in tests.
 *
 * The framer's decoder says how many bytes of a frame it holds with
 * `FrameDecoder.pending`; a `make` framer without it is timed from the first
 * byte after its last output. A frame dropped by `onOversize: "skip"` ends
 * like an emitted one: the next frame is timed from its own first byte.
 *
 * The timed framer's `decoder()`, for code that pushes chunks as they come
 * instead of pulling a stream (`NetRpc.layerSerialization` does), keeps the
 * bound on the wall clock: a push whose frame in progress got its first byte
 * `duration` ago or more fails with `FrameTimeoutError` instead of taking the
 * chunk. A peer that stops sending is never pushed, so there the bound needs
 * the connection's `idleTimeout` beside it; and time the program takes
 * before it pushes the next chunk counts against the frame too.
 *
 * ```text
 * withFrameTimeout(lengthPrefixed(), "5 seconds"), one byte every 900 ms:
 *   00 . 00 . 00 . 0C . "H" . "E" ... 5 s after the first 00: FrameTimeoutError { received: 6 }
 * ```
 *
 * @example
 * ```ts
 * import { pipe } from "effect/Function"
 * import { Framing } from "effect-net"
 *
 * const framer = pipe(Framing.lengthPrefixed(), Framing.withFrameTimeout("5 seconds"))
 * // or Framing.withFrameTimeout(Framing.lengthPrefixed(), "5 seconds")
 * // connection.read.pipe(framer.decode) now fails with FrameTimeoutError on a drip
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const withFrameTimeout: {
  (duration: Duration.DurationInput): <O, E>(framer: Framer<O, E>) => Framer<O, E | FrameTimeoutError>
  <O, E>(framer: Framer<O, E>, duration: Duration.DurationInput): Framer<O, E | FrameTimeoutError>
} = dual(2, timeout.timedFramer)

// ---------------------------------------------------------------------------
// built-in framers
// ---------------------------------------------------------------------------

/**
 * The default `maxFrameLength` of every framer: 8 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxFrameLength: number = options_.defaultMaxFrameLength

/**
 * What to do with a frame longer than `maxFrameLength`: fail the stream
 * (default), or drop the frame without buffering it and go on.
 *
 * @since 0.1.0
 * @category models
 */
export type OnOversize = "fail" | "skip"

/**
 * Options of `lengthPrefixed`, with the semantics of Netty's
 * `LengthFieldBasedFrameDecoder`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LengthPrefixedOptions {
  /**
   * Bytes before the length field (0 to 2^31 - 1); default 0.
   *
   * ```text
   * lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0
   *   +--------+----------+----------------+      +--------+----------+----------------+
   *   | CA FE  | 00 00 0C | "HELLO, WORLD" | ---> | CA FE  | 00 00 0C | "HELLO, WORLD" |
   *   +--------+----------+----------------+      +--------+----------+----------------+
   * ```
   *
   * @since 0.1.0
   */
  readonly lengthFieldOffset?: number | undefined
  /**
   * Size of the length field in bytes, an unsigned integer: 1, 2, 3, 4 or 8; default 4.
   *
   * @since 0.1.0
   */
  readonly lengthFieldLength?: 1 | 2 | 3 | 4 | 8 | undefined
  /**
   * Byte order of the length field; default `"big"` (network order).
   *
   * ```text
   * lengthFieldLength: 2, byteOrder: "little"
   *   +--------+----------------+        +----------------+
   *   | 0C 00  | "HELLO, WORLD" |  --->  | "HELLO, WORLD" |
   *   +--------+----------------+        +----------------+
   * ```
   *
   * @since 0.1.0
   */
  readonly byteOrder?: "big" | "little" | undefined
  /**
   * Added to the field's value to give the number of bytes that follow the
   * length field (-2^31 to 2^31 - 1); default 0. Negative when the length
   * counts the header too:
   *
   * ```text
   * lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0
   *   +--------+----------------+        +--------+----------------+
   *   | 00 0E  | "HELLO, WORLD" |  --->  | 00 0E  | "HELLO, WORLD" |
   *   +--------+----------------+        +--------+----------------+
   * ```
   *
   * @since 0.1.0
   */
  readonly lengthAdjustment?: number | undefined
  /**
   * Bytes removed from the front of each emitted frame (0 to 2^31 - 1);
   * default `lengthFieldOffset + lengthFieldLength`, the whole header.
   *
   * ```text
   * lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 3
   *   +------+--------+----------------+      +----------------+
   *   | CA   | 00 0C  | "HELLO, WORLD" | ---> | "HELLO, WORLD" |
   *   +------+--------+----------------+      +----------------+
   * ```
   *
   * @since 0.1.0
   */
  readonly initialBytesToStrip?: number | undefined
  /**
   * The longest frame ever emitted (after stripping); default 8 MiB.
   * Checked when the header is read, before any body byte is buffered.
   * `Infinity` means Node's largest buffer.
   *
   * @since 0.1.0
   */
  readonly maxFrameLength?: number | undefined
  /**
   * A frame over `maxFrameLength`: fail with `FrameTooLargeError` (default)
   * or skip it, unbuffered, and go on.
   *
   * @since 0.1.0
   */
  readonly onOversize?: OnOversize | undefined
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
 * ```
 *
 * @example
 * ```ts
 * import { Framing } from "effect-net"
 *
 * const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 })
 * framer.encodeFrame(new TextEncoder().encode("HELLO, WORLD")) // Right(00 0C "HELLO, WORLD")
 * ```
 *
 * @example
 * ```ts
 * import { Chunk, Effect, Stream } from "effect"
 * import { Framing } from "effect-net"
 *
 * const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, maxFrameLength: 1024 })
 * // 00 02 "hi" 00 03 "you", cut in the middle of a header
 * const wire = [new Uint8Array([0, 2, 104, 105, 0]), new Uint8Array([3, 121, 111, 117])]
 * const frames = Effect.runSync(Stream.fromIterable(wire).pipe(framer.decode, Stream.runCollect))
 * console.log(Chunk.toReadonlyArray(frames).map((frame) => new TextDecoder().decode(frame))) // ["hi", "you"]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const lengthPrefixed = (options: LengthPrefixedOptions = {}): Framer => {
  const lengthFieldOffset = options.lengthFieldOffset ?? 0
  const lengthFieldLength = options_.requireFieldLength(options.lengthFieldLength ?? 4)
  const config = {
    lengthFieldOffset,
    lengthFieldLength,
    littleEndian: options_.oneOf("byteOrder", options.byteOrder, ["big", "little"]) === "little",
    lengthAdjustment: options.lengthAdjustment ?? 0,
    initialBytesToStrip: options.initialBytesToStrip ?? lengthFieldOffset + lengthFieldLength,
    maxFrameLength: options_.limit(options.maxFrameLength)
  }
  options_.requireInt32("lengthFieldOffset", config.lengthFieldOffset, 0)
  options_.requireInt32("initialBytesToStrip", config.initialBytesToStrip, 0)
  options_.requireInt32("lengthAdjustment", config.lengthAdjustment, -(2 ** 31))
  const sized = { maxFrameLength: config.maxFrameLength, skipOversize: options_.skips(options.onOversize) }
  return internal.fromLayout(() => new SizedDecoder(new LengthFieldHeader(config), sized), lengthFieldLayout(config))
}

/**
 * Options of `varint`.
 *
 * @since 0.1.0
 * @category models
 */
export interface VarintOptions {
  /**
   * The longest frame body; default 8 MiB. Checked as soon as the varint is
   * read. `Infinity` means Node's largest buffer.
   *
   * @since 0.1.0
   */
  readonly maxFrameLength?: number | undefined
  /**
   * A frame over `maxFrameLength`: fail with `FrameTooLargeError` (default)
   * or skip it, unbuffered, and go on.
   *
   * @since 0.1.0
   */
  readonly onOversize?: OnOversize | undefined
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
  const maxFrameLength = options_.limit(options.maxFrameLength)
  const sized = { maxFrameLength, skipOversize: options_.skips(options.onOversize) }
  return internal.fromLayout(() => new SizedDecoder(new VarintHeader(), sized), varintLayout(maxFrameLength))
}

/**
 * Options of `lines`, and (with a `delimiter`) of `delimited`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LinesOptions {
  /**
   * The longest frame, delimiter (line ending) excluded; default 8 MiB. A
   * frame is known to be too long once more bytes than that have arrived that
   * cannot be part of a delimiter. `Infinity` means Node's largest buffer.
   *
   * @since 0.1.0
   */
  readonly maxFrameLength?: number | undefined
  /**
   * A frame over `maxFrameLength`: fail with `FrameTooLargeError` (default)
   * or drop its bytes as they arrive, up to its delimiter, and go on.
   *
   * @since 0.1.0
   */
  readonly onOversize?: OnOversize | undefined
  /**
   * What the bytes after the last delimiter become at end of stream: a
   * `TruncatedFrameError` (default, false) or a final frame (true).
   *
   * ```text
   * delimiter: "\0", emitTrailing: true
   *   +-----------+-------+        +-------+-------+
   *   | "ABC" 00  | "DEF" |  --->  | "ABC" | "DEF" |
   *   +-----------+-------+        +-------+-------+
   * ```
   *
   * @since 0.1.0
   */
  readonly emitTrailing?: boolean | undefined
}

/**
 * Options of `delimited`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DelimitedOptions extends LinesOptions {
  /**
   * Where each frame ends: any non-empty byte sequence, of any length; a
   * string is taken as UTF-8. It is removed from decoded frames and appended
   * to encoded ones.
   *
   * ```text
   * delimiter: "\r\n"
   *   +-------------------------+        +-------+-------+
   *   | "ABC" 0D 0A "DEF" 0D 0A |  --->  | "ABC" | "DEF" |
   *   +-------------------------+        +-------+-------+
   * ```
   *
   * @since 0.1.0
   */
  readonly delimiter: Uint8Array | string
}

/**
 * Frames that end with a delimiter, which is removed. Encoding appends it and
 * refuses a frame that contains it.
 *
 * ```text
 * delimiter: "\0"
 *   +-----------+-----------+        +-------+-------+
 *   | "ABC" 00  | "DEF" 00  |  --->  | "ABC" | "DEF" |
 *   +-----------+-----------+        +-------+-------+
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const delimited = (options: DelimitedOptions): Framer => {
  const delimiter = typeof options.delimiter === "string"
    ? new TextEncoder().encode(options.delimiter)
    : Uint8Array.from(options.delimiter)
  options_.requireDelimiter(delimiter)
  return delimiterFramer(delimiter, false, options)
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

const delimiterFramer = (delimiter: Uint8Array, stripCr: boolean, options: LinesOptions): Framer => {
  const config = {
    delimiter,
    stripCr,
    maxFrameLength: options_.limit(options.maxFrameLength),
    skipOversize: options_.skips(options.onOversize),
    emitTrailing: options.emitTrailing ?? false
  }
  return internal.fromLayout(() => new DelimiterDecoder(config), delimitedLayout(config))
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
  const sized = { maxFrameLength: options_.requireSize(size), skipOversize: false }
  return internal.fromLayout(() => new SizedDecoder(new FixedHeader(size), sized), fixedLayout(size))
}
