import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Either from "effect/Either"
import type { Framer, FramingError } from "../../Framing.js"
import { MessageDecodeError, MessageEncodeError } from "../../Message.js"
import type { Format } from "./message.js"

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
export const makeParser = (format: Format<unknown>, framer: Framer): RpcSerialization.Parser => {
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
