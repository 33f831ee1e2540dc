import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import { IllegalArgumentException } from "effect/Cause"
import * as Either from "effect/Either"
import { defaultMaxFrameLength, type Framer, lengthPrefixed as lengthPrefixedFramer } from "../../Framing.js"
import { MessageDecodeError, MessageEncodeError } from "../../Message.js"
import type { Decoder } from "./decoder.js"
import type { FramingError } from "./errors.js"
import { LengthFieldHeader } from "./lengthField.js"
import type { Format } from "./message.js"
import { SizedDecoder } from "./sized.js"

/**
 * What @effect/rpc's synchronous `Parser` needs from a framer: a state
 * machine it can push socket chunks into by hand, and the one-frame encoder.
 *
 * @internal
 */
export interface SyncFramer {
  readonly decoder: () => Decoder<Uint8Array, Uint8Array, FramingError>
  readonly encodeFrame: Framer["encodeFrame"]
}

const lengthPrefixed = {
  lengthFieldOffset: 0,
  lengthFieldLength: 4,
  littleEndian: false,
  lengthAdjustment: 0,
  initialBytesToStrip: 4,
  maxFrameLength: defaultMaxFrameLength
} as const
const defaultLimit = { maxFrameLength: defaultMaxFrameLength, skipOversize: false }

/**
 * The default framer's state machine (what `Framing.lengthPrefixed()` runs),
 * and, for a given framer, the decoder it exposes. A `Framer` is a pair of
 * Stream pipelines that cannot be driven one socket chunk at a time, so one
 * without a `decoder` cannot serve a synchronous parser.
 *
 * @internal
 */
export const syncFramer = (framer: Framer | undefined): SyncFramer => {
  if (framer === undefined) {
    return {
      decoder: () => new SizedDecoder(new LengthFieldHeader(lengthPrefixed), defaultLimit),
      encodeFrame: lengthPrefixedFramer().encodeFrame
    }
  }
  const decoder: unknown = (framer as { readonly decoder?: unknown }).decoder
  if (typeof decoder !== "function") {
    throw new IllegalArgumentException("framer must expose its FrameDecoder (`decoder`) to serve @effect/rpc's synchronous parser")
  }
  return { decoder: decoder as SyncFramer["decoder"], encodeFrame: framer.encodeFrame }
}

const textEncoder = new TextEncoder()

/**
 * @effect/rpc's `Parser` on a framer and a format. `decode` is handed socket
 * chunks cut anywhere; the framer's state machine carries what is pending
 * between calls, so a character or a header split across chunks comes out
 * whole. A `Parser` reports errors only by throwing, which would lose the
 * messages decoded before the error in the same call: those are returned,
 * and the error is thrown by the next call. After an error the stream cannot
 * be trusted, so every later call throws it again.
 *
 * @internal
 */
export const makeParser = (format: Format<unknown>, framer: SyncFramer): RpcSerialization.Parser => {
  const decoder = framer.decoder()
  const frames: Array<Uint8Array> = []
  let failure: unknown = undefined
  return {
    decode(data) {
      if (failure !== undefined) throw failure
      const error = decoder.push(typeof data === "string" ? textEncoder.encode(data) : data, frames)
      const messages: Array<unknown> = []
      for (let i = 0; i < frames.length; i++) {
        const value = format.read(frames[i]!)
        if (value instanceof MessageDecodeError) {
          failure = value
          break
        }
        messages.push(value)
      }
      frames.length = 0
      if (error !== undefined && failure === undefined) failure = toRpcError(error)
      if (failure !== undefined && messages.length === 0) throw failure
      return messages
    },
    encode(message) {
      const bytes = format.write(message)
      if (bytes instanceof MessageEncodeError) throw bytes
      const framed = framer.encodeFrame(bytes)
      if (Either.isLeft(framed)) throw framed.left
      return framed.right
    }
  }
}

// @effect/rpc's server closes a connection on its own `RpcSerializationError` (and only on it):
// an oversized incoming frame is that case, so it is reported in @effect/rpc's terms.
const toRpcError = (error: FramingError): unknown =>
  error._tag === "FrameTooLargeError"
    ? new RpcSerialization.RpcSerializationError({
      reason: "BufferSizeExceeded",
      maxBufferSize: error.maxFrameLength,
      bufferSize: error.length
    })
    : error
