import * as Either from "effect/Either"
import type * as Stream from "effect/Stream"
import { type Decoder, pipeThrough } from "./decoder.js"
import type { FramingError } from "./errors.js"

/** @internal */
export interface Framer {
  readonly decode: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, E | FramingError, R>
  readonly encode: <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, E | FramingError, R>
  readonly encodeFrame: (frame: Uint8Array) => Either.Either<Uint8Array, FramingError>
}

/**
 * Every framer is a decoder state machine plus a per-frame encoding function;
 * the Stream plumbing around both is the same for all of them.
 *
 * @internal
 */
export const make = (
  makeDecoder: () => Decoder<Uint8Array, Uint8Array, FramingError>,
  encode: (frame: Uint8Array) => Uint8Array | FramingError
): Framer => ({
  decode: pipeThrough(makeDecoder),
  encode: pipeThrough(() => encoder(encode)),
  encodeFrame: (frame) => {
    const result = encode(frame)
    return result instanceof Uint8Array ? Either.right(result) : Either.left(result)
  }
})

const encoder = (
  encode: (frame: Uint8Array) => Uint8Array | FramingError
): Decoder<Uint8Array, Uint8Array, FramingError> => ({
  push(frame, out) {
    const result = encode(frame)
    if (!(result instanceof Uint8Array)) return result
    out.push(result)
    return undefined
  },
  end: () => undefined
})
