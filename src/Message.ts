/**
 * Typed messages over frames: a `Codec` turns a byte stream cut anywhere into
 * values a `Schema` has checked, and values back into framed bytes. JSON,
 * newline-delimited JSON, MessagePack and raw binary bodies, on any framer.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Framing from "./Framing.js"
import type { InvalidUtf8Error } from "./Utf8.js"
import * as internal from "./internal/framing/message.js"

/**
 * A pair of Stream pipelines plus a one-message encoder for values of type
 * `A`, whose schema needs the context `R`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Codec<A, R = never> {
  /** Bytes in any chunking -> one value per frame. Values before a bad frame are emitted, then the error. */
  readonly decode: <E, R2>(
    self: Stream.Stream<Uint8Array, E, R2>
  ) => Stream.Stream<A, E | Framing.FramingError | MessageDecodeError, R | R2>
  /** Values -> wire bytes, one element per message. A message that fails to encode writes nothing. */
  readonly encode: <E, R2>(
    self: Stream.Stream<A, E, R2>
  ) => Stream.Stream<Uint8Array, E | Framing.FramingError | MessageEncodeError, R | R2>
  /** One value -> its wire bytes (framed). */
  readonly encodeMessage: (message: A) => Effect.Effect<Uint8Array, Framing.FramingError | MessageEncodeError, R>
}

/**
 * A frame that is not a message: not UTF-8, not JSON, not MessagePack, or
 * not what the schema accepts.
 *
 * @since 0.2.0
 * @category errors
 */
export class MessageDecodeError extends Data.TaggedError("MessageDecodeError")<{
  /**
   * Which step failed: `"InvalidUtf8"` (a JSON frame that is not UTF-8),
   * `"InvalidJson"`, `"InvalidMsgPack"`, or `"Schema"` (well-formed, but not
   * what the schema accepts).
   */
  readonly reason: "InvalidUtf8" | "InvalidJson" | "InvalidMsgPack" | "Schema"
  /** The frame's bytes, as the framer emitted them (framing header stripped). */
  readonly frame: Uint8Array
  /**
   * What failed: the `InvalidUtf8Error` (its `offset` is within `frame`), the
   * exception `JSON.parse` or msgpackr threw, or Schema's `ParseError`.
   */
  readonly cause: InvalidUtf8Error | ParseResult.ParseError | unknown
}> {
  override get message(): string {
    return `message frame of ${this.frame.length} bytes ${describeDecode[this.reason]}: ${causeMessage(this.cause)}`
  }
}

const describeDecode: Record<MessageDecodeError["reason"], string> = {
  InvalidUtf8: "is not valid UTF-8",
  InvalidJson: "is not valid JSON",
  InvalidMsgPack: "is not valid MessagePack",
  Schema: "does not match the schema"
}

/**
 * A value that cannot become a message. Nothing was written for it.
 *
 * @since 0.2.0
 * @category errors
 */
export class MessageEncodeError extends Data.TaggedError("MessageEncodeError")<{
  /**
   * Which step failed: `"Schema"` (the schema rejected the value),
   * `"InvalidJson"` (JSON cannot represent the encoded value: a cycle, a
   * BigInt, or `undefined` / a function at the top), or `"InvalidMsgPack"`
   * (msgpackr cannot: a cycle, a BigInt beyond 64 bits).
   */
  readonly reason: "Schema" | "InvalidJson" | "InvalidMsgPack"
  /** Schema's `ParseError`, or the exception the serializer threw. */
  readonly cause: ParseResult.ParseError | unknown
}> {
  override get message(): string {
    return `message ${describeEncode[this.reason]}: ${causeMessage(this.cause)}`
  }
}

const describeEncode: Record<MessageEncodeError["reason"], string> = {
  Schema: "rejected by the schema",
  InvalidJson: "cannot be written as JSON",
  InvalidMsgPack: "cannot be written as MessagePack"
}

const causeMessage = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)

/**
 * @since 0.2.0
 * @category models
 */
export interface FramedOptions {
  /** how messages are delimited on the wire; default `Framing.lengthPrefixed()` (4-byte big-endian length) */
  readonly framer?: Framing.Framer | undefined
}

/**
 * UTF-8 JSON, one value per frame (by default after a 4-byte big-endian
 * length).
 *
 * ```text
 *   +-------------+------------+        +-------------+
 *   | 00 00 00 0B | {"id":"é"} |  --->  | { id: "é" } |
 *   +-------------+------------+        +-------------+
 * ```
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Message } from "effect-net"
 *
 * const Ping = Schema.Struct({ id: Schema.Number, text: Schema.String })
 * const codec = Message.json(Ping)
 * // connection.read.pipe(codec.decode): Stream<{ id: number; text: string }, ...>
 * ```
 *
 * @example
 * ```ts
 * import { Effect, Schema, Stream } from "effect"
 * import { Message } from "effect-net"
 *
 * const Order = Schema.Struct({ id: Schema.Number, items: Schema.Array(Schema.String) })
 * const orders = Message.json(Order)
 *
 * // values -> framed wire bytes -> values again, checked by the schema
 * const roundTrip = Stream.make({ id: 1, items: ["tea"] }).pipe(orders.encode, orders.decode, Stream.runCollect)
 * console.log(Effect.runSync(roundTrip))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const json = <A, I, R>(schema: Schema.Schema<A, I, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.jsonFormat, options.framer ?? Framing.lengthPrefixed(), false)

/**
 * @since 0.2.0
 * @category models
 */
export interface NdjsonOptions {
  /** the longest line, line ending excluded; default 8 MiB */
  readonly maxLineBytes?: number | undefined
  /** skip empty lines (`\n\n`) instead of failing them as `InvalidJson`; default false */
  readonly ignoreEmptyLines?: boolean | undefined
}

/**
 * Newline-delimited JSON: one value per line, lines ending in `\n` or
 * `\r\n`; encoding ends each line with `\n`. A last line without a line
 * ending is a `TruncatedFrameError` (the peer may have been cut off). Unlike
 * `@effect/platform`'s `Ndjson`, a character split between TCP segments is
 * decoded whole, never as U+FFFD.
 *
 * ```text
 *   +-------------------------+        +----------+----------+
 *   | {"n":1}\n{"n":2}\r\n    |  --->  | { n: 1 } | { n: 2 } |
 *   +-------------------------+        +----------+----------+
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const ndjson = <A, I, R>(schema: Schema.Schema<A, I, R>, options: NdjsonOptions = {}): Codec<A, R> =>
  internal.make(
    schema,
    internal.jsonFormat,
    Framing.lines(options.maxLineBytes === undefined ? {} : { maxFrameLength: options.maxLineBytes }),
    options.ignoreEmptyLines ?? false
  )

/**
 * One MessagePack value per frame, in standard MessagePack (msgpackr without
 * its record extension, so any MessagePack peer can read it). `Uint8Array`
 * fields travel as `bin`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const msgpack = <A, I, R>(schema: Schema.Schema<A, I, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.msgpackFormat, options.framer ?? Framing.lengthPrefixed(), false)

/**
 * Frames as they are, through a schema whose encoded side is bytes (for
 * example from `Bytes.schema`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const binary = <A, R>(schema: Schema.Schema<A, Uint8Array, R>, options: FramedOptions = {}): Codec<A, R> =>
  internal.make(schema, internal.binaryFormat, options.framer ?? Framing.lengthPrefixed(), false)
