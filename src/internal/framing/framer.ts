import * as Either from "effect/Either"
import type { FrameDecoder, Framer, MakeOptions } from "../../Framing.js"
import { type Decoder, pipeThrough } from "./decoder.js"
import { BatchEncoder, encodeFrame, type FrameLayout } from "./layout.js"

/**
 * Every framer, built-in or a user's, is a decoder state machine plus an
 * encoder; the Stream plumbing around both is this one. A user's encoder is
 * a function per frame, and its frames go out one element each.
 *
 * @internal
 */
export const make = <O, E>(options: MakeOptions<O, E>): Framer<O, E> => {
  // `undefined` means "no error" to the stream adapter: an encoder answering it would drop the frame silently
  const encode = (frame: O): Uint8Array | E => {
    const result = options.encode(frame)
    if (result === undefined) {
      throw new TypeError("Framing.make: encode returned undefined; return the frame's bytes, or an error value to refuse it")
    }
    return result
  }
  return framer(options.decoder, encode, () => encoder(encode))
}

/**
 * A built-in framer: its encoder writes the frames of a pull into one buffer.
 *
 * @internal
 */
export const fromLayout = <E>(
  decoder: () => FrameDecoder<Uint8Array, E>,
  layout: FrameLayout<E>
): Framer<Uint8Array, E> => framer(decoder, encodeFrame(layout), () => new BatchEncoder(layout))

const framer = <O, E>(
  decoder: () => FrameDecoder<O, E>,
  encode: (frame: O) => Uint8Array | E,
  encoder: () => Decoder<O, Uint8Array, E>
): Framer<O, E> => ({
  decoder,
  decode: pipeThrough(decoder),
  encode: pipeThrough(encoder),
  encodeFrame: (frame) => {
    const result = encode(frame)
    return result instanceof Uint8Array ? Either.right(result) : Either.left(result)
  }
})

const encoder = <O, E>(encode: (frame: O) => Uint8Array | E): Decoder<O, Uint8Array, E> => ({
  push(frame, out) {
    const result = encode(frame)
    if (!(result instanceof Uint8Array)) return result
    out.push(result)
    return undefined
  },
  end: () => undefined
})
