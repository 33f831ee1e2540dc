/**
 * Helpers for framing tests: bytes written the way the anchors write them,
 * a wire cut into chunks at chosen points, and a decode that keeps both the
 * frames and the error that ended the stream.
 */
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Stream from "effect/Stream"
import type { Framer, FramingError } from "../../src/Framing.js"
import { concat, outcome } from "../../src/internal/testing.js"

/** Bytes from latin1 strings (one char, one byte: "\x00\x09abc"), byte arrays and Uint8Arrays, concatenated. */
export const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number> | Uint8Array>): Uint8Array =>
  concat(parts.map((part) => typeof part === "string" ? Uint8Array.from(Buffer.from(part, "latin1")) : Uint8Array.from(part)))

/** A frame as a latin1 string, so binary frames compare and print byte for byte. */
export const latin1 = (frame: Uint8Array): string => Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString("latin1")

/** A 4-byte big-endian integer, like Netty's `ByteBuf.writeInt`. */
export const int32 = (value: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

/** Bytes 0, 1, ..., n - 1, like Netty's `for (i < n) buf.writeByte(i)`. */
export const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 256)

export { concat }

// cutting a wire into chunks is the public testing helper's, written once
export { cutAt, cutPoints, type Cuts } from "../../src/testing.js"

/** What a decode produced: the frames (latin1) in order, then the error that ended the stream, if any. */
export interface Decoded<E> {
  readonly frames: Array<string>
  readonly error?: E
}

/** Decode a stream, keeping the frames emitted before a failure and the failure itself. Defects are not caught. */
export const decodeStream = <E, R>(
  framer: Framer,
  input: Stream.Stream<Uint8Array, E, R>
): Effect.Effect<Decoded<E | FramingError>, never, R> =>
  Effect.map(outcome(framer.decode(input)), ({ error, values }) => ({
    frames: values.map(latin1),
    ...(error === undefined ? {} : { error })
  }))

/** Decode chunks given as bytes or latin1 strings. */
export const decode = (framer: Framer, chunks: ReadonlyArray<Uint8Array | string | ReadonlyArray<number>>) =>
  decodeStream(framer, Stream.fromIterable(chunks.map((chunk) => bytes(chunk))))

/** Run `framer.encode` over frames and concatenate the wire chunks; the error, if any, after the bytes before it. */
export const encodeStream = (framer: Framer, frames: ReadonlyArray<Uint8Array | string>) =>
  Effect.map(outcome(framer.encode(Stream.fromIterable(frames.map((frame) => bytes(frame))))), ({ error, values }) => ({
    chunks: values.map(latin1),
    wire: latin1(concat(values)),
    error
  }))

// ---- arbitraries (effect/FastCheck: the fast-check @effect/vitest drives) ----

/** Bytes drawn from `alphabet` (to make delimiters and `\r` likely), or any bytes. */
export const frameOf = (alphabet: ReadonlyArray<number>, maxLength = 24): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.array(fc.constantFrom(...alphabet), { maxLength }).map((xs) => Uint8Array.from(xs)),
    fc.uint8Array({ maxLength })
  )

/** Any bytes, short or up to a few hundred (so varints take two bytes). */
export const anyFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 24 }), weight: 5 },
  { arbitrary: fc.uint8Array({ minLength: 120, maxLength: 300 }), weight: 1 }
)
