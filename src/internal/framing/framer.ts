import * as Either from "effect/Either"
import type { Framer, MakeOptions } from "../../Framing.js"
import { type Decoder, pipeThrough } from "./decoder.js"

/**
 * Every framer, built-in or a user's, is a decoder state machine plus a
 * per-frame encoding function; the Stream plumbing around both is this one.
 *
 * @internal
 */
export const make = <O, E>(options: MakeOptions<O, E>): Framer<O, E> => {
  const encode = options.encode
  return {
    decoder: options.decoder,
    decode: pipeThrough(options.decoder),
    encode: pipeThrough(() => encoder(encode)),
    encodeFrame: (frame) => {
      const result = encode(frame)
      return result instanceof Uint8Array ? Either.right(result) : Either.left(result)
    }
  }
}

const encoder = <O, E>(encode: (frame: O) => Uint8Array | E): Decoder<O, Uint8Array, E> => ({
  push(frame, out) {
    const result = encode(frame)
    if (!(result instanceof Uint8Array)) return result
    out.push(result)
    return undefined
  },
  end: () => undefined
})
