/**
 * Text on byte streams: UTF-8 decoding that survives arbitrary chunk
 * boundaries and says where the bytes went wrong.
 *
 * @since 0.1.0
 */
import * as Stream from "effect/Stream"
import { pipeThrough } from "./internal/framing/decoder.js"
import * as errors from "./internal/framing/errors.js"
import { Utf8FrameDecoder, Utf8LenientDecoder, Utf8StreamDecoder } from "./internal/framing/utf8.js"

/**
 * Bytes that are not UTF-8 by the WHATWG `fatal` rules. `offset` is the
 * position of the first byte of the bad sequence: in the stream for
 * `decode`, in the frame for `decodeFrames`.
 *
 * @since 0.1.0
 * @category errors
 */
export const InvalidUtf8Error = errors.InvalidUtf8Error
/**
 * @since 0.1.0
 * @category errors
 */
export type InvalidUtf8Error = errors.InvalidUtf8Error

/**
 * Decode a byte stream cut anywhere: a character split between chunks comes
 * out whole. Invalid bytes (overlongs, surrogates, code points above
 * U+10FFFF, stray continuation bytes) and an incomplete character at the end
 * fail with `InvalidUtf8Error`. A byte order mark is kept as U+FEFF.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<string, E | InvalidUtf8Error, R> =
  pipeThrough(() => new Utf8StreamDecoder())

/**
 * Decode each element as one complete text, as a framer emits them: one
 * string per frame.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFrames: <E, R>(
  self: Stream.Stream<Uint8Array, E, R>
) => Stream.Stream<string, E | InvalidUtf8Error, R> = pipeThrough(() => new Utf8FrameDecoder())

/**
 * Like `decode`, but each ill-formed sequence becomes U+FFFD instead of an
 * error (the WHATWG replacement rules, as `TextDecoder` applies them).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeLenient: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<string, E, R> =
  pipeThrough<Uint8Array, string, never>(() => new Utf8LenientDecoder())

const encoder = new TextEncoder()

/**
 * Encode each string as UTF-8. A lone surrogate becomes U+FFFD, as
 * `TextEncoder` does.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <E, R>(self: Stream.Stream<string, E, R>): Stream.Stream<Uint8Array, E, R> =>
  Stream.map(self, (text) => encoder.encode(text))
