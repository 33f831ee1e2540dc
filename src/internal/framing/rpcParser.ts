import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Either from "effect/Either"
import type { Framer, FramingError } from "../../Framing.js"
import { MessageDecodeError, MessageEncodeError } from "../../Message.js"
import { RpcDecodeError } from "../../rpc.js"
import type { Format } from "./message.js"

const textEncoder = new TextEncoder()

/**
 * @effect/rpc's `Parser` on a framer and a format. `decode` is handed socket
 * chunks cut anywhere; the framer's state machine carries what is pending
 * between calls, so a character or a header split across chunks comes out
 * whole. A `Parser` reports errors only by throwing, which would lose the
 * messages decoded before the error in the same call: those are returned,
 * and the error is thrown by the next call. It is thrown once, tagged so
 * that @effect/rpc's server closes the connection on it; after it the
 * stream cannot be trusted, so later input is dropped.
 *
 * @internal
 */
export const makeParser = (format: Format<unknown>, framer: Framer): RpcSerialization.Parser => {
  const decoder = framer.decoder()
  const frames: Array<Uint8Array> = []
  let failure: unknown = undefined
  let thrown = false
  return {
    decode(data) {
      if (failure !== undefined) return raise()
      const error = decoder.push(typeof data === "string" ? textEncoder.encode(data) : data, frames)
      const messages: Array<unknown> = []
      for (let i = 0; i < frames.length; i++) {
        const value = format.read(frames[i]!)
        if (value instanceof MessageDecodeError) {
          failure = new RpcDecodeError({ reason: "Decode", cause: value })
          break
        }
        messages.push(value)
      }
      frames.length = 0
      if (error !== undefined && failure === undefined) failure = toRpcError(error)
      if (failure !== undefined && messages.length === 0) return raise()
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

  function raise(): Array<unknown> {
    if (thrown) return []
    thrown = true
    throw failure
  }
}

// @effect/rpc's server closes a connection on an error tagged "RpcSerializationError" (and only
// on one): an oversized incoming frame is its own `BufferSizeExceeded`, anything else an `RpcDecodeError`.
const toRpcError = (error: FramingError): unknown =>
  error._tag === "FrameTooLargeError"
    ? new RpcSerialization.RpcSerializationError({
      reason: "BufferSizeExceeded",
      maxBufferSize: error.maxFrameLength,
      bufferSize: error.length
    })
    : new RpcDecodeError({ reason: "Decode", cause: error })
