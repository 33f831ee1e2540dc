/**
 * Text on byte streams: UTF-8 decoding that survives arbitrary chunk
 * boundaries and says where the bytes went wrong.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Stream from "effect/Stream"
import { pipeThrough } from "./internal/framing/decoder.js"
import { Utf8FrameDecoder, Utf8LenientDecoder, Utf8StreamDecoder } from "./internal/framing/utf8.js"

/**
 * Bytes that are not UTF-8 by the WHATWG `fatal` rules, or a stream (or
 * frame) that ends in the middle of a character.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidUtf8Error extends Data.TaggedError("InvalidUtf8Error")<{
  /**
   * Position of the first byte of the bad sequence: in the stream for
   * `decode`, in the frame for `decodeFrames`.
   *
   * @since 0.1.0
   */
  readonly offset: number
  /**
   * True when the sequence at `offset` is well formed as far as it goes but
   * the input ended before its last byte.
   *
   * @since 0.2.0
   */
  readonly incomplete?: boolean | undefined
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return this.incomplete === true
      ? `incomplete UTF-8 sequence at offset ${this.offset}`
      : `invalid UTF-8 at byte offset ${this.offset}`
  }
}

/**
 * Decode a byte stream cut anywhere: a character split between chunks comes
 * out whole. Invalid bytes (overlongs, surrogates, code points above
 * U+10FFFF, stray continuation bytes) and an incomplete character at the end
 * fail with `InvalidUtf8Error`, after all the text before the bad sequence
 * has been emitted, however the bytes were cut. A byte order mark is kept as
 * U+FEFF.
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
 * Encode each string as UTF-8, on its own: one element per string, as
 * `TextEncoder` writes it, so each stays one message when a framer follows.
 * A lone surrogate becomes U+FFFD, a surrogate pair split between two
 * strings two of them: cut text on code point boundaries
 * (`Array.from(text)`), not by UTF-16 length.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <E, R>(self: Stream.Stream<string, E, R>): Stream.Stream<Uint8Array, E, R> =>
  Stream.map(self, (text) => encoder.encode(text))
