/**
 * `effect-net/rpc`: @effect/rpc serialization with framing built in, on the
 * codecs of `Message`, for @effect/rpc's socket protocols
 * (`RpcServer.layerProtocolSocketServer`, `RpcClient.layerProtocolSocket`)
 * over effect-net's `Server.layerSocketServer` / `Client.layerSocket`.
 *
 * Unlike @effect/rpc's own `layerNdjson`, which decodes each socket chunk as
 * UTF-8 on its own, a character split between TCP segments arrives whole; an
 * oversized message is refused on its length header, before its body is
 * buffered. Imported from its own entry point so that `@effect/rpc` stays an
 * optional peer dependency.
 *
 * @since 0.2.0
 */
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Data from "effect/Data"
import * as Layer from "effect/Layer"
import * as Framing from "./Framing.js"
import type * as Message from "./Message.js"
import { jsonFormat, msgpackFormat } from "./internal/framing/message.js"
import { makeParser } from "./internal/framing/rpcParser.js"

/**
 * An incoming frame that cannot be decoded: the `Message.MessageDecodeError`
 * or the framer's error is its `cause`. Its tag is @effect/rpc's
 * `"RpcSerializationError"`, the one error on which @effect/rpc's server
 * closes the connection (with `reason: "Decode"`, where @effect/rpc's own
 * error says `"BufferSizeExceeded"`).
 *
 * @since 0.2.0
 * @category errors
 */
export class RpcDecodeError extends Data.TaggedError("RpcSerializationError")<{
  /**
   * always `"Decode"`: tells it apart from @effect/rpc's `BufferSizeExceeded`
   *
   * @since 0.2.0
   */
  readonly reason: "Decode"
  /**
   * what could not be decoded
   *
   * @since 0.2.0
   */
  readonly cause: Message.MessageDecodeError | Framing.FramingError
}> {
  override get message(): string {
    return `RPC input cannot be decoded: ${this.cause.message}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface SerializationOptions {
  /** `"json"`: UTF-8 JSON per frame; `"msgpack"`: one standard MessagePack value per frame */
  readonly format: "json" | "msgpack"
  /**
   * how messages are delimited; default `Framing.lengthPrefixed()` (4-byte
   * big-endian length, 8 MiB limit); any `Framer`, built-in or from
   * `Framing.make`: @effect/rpc parses synchronously, so the parser drives the
   * framer's own state machine (`Framer.decoder`).
   */
  readonly framer?: Framing.Framer | undefined
}

/**
 * An `RpcSerialization` (`includesFraming: true`). Content types are
 * `application/x-effect-net-json` and `application/x-effect-net-msgpack`:
 * the body is framed, so it is not plain JSON or MessagePack.
 *
 * Decoding errors are thrown to @effect/rpc once, and its server closes the
 * connection on each of them (it closes only on an error tagged
 * `"RpcSerializationError"`; anything else it would answer with a Defect
 * response and keep reading): an incoming frame over the framer's
 * `maxFrameLength` is @effect/rpc's own `RpcSerializationError`
 * (`BufferSizeExceeded`); a frame that is not UTF-8, JSON or MessagePack, or
 * any other framing error, is an `RpcDecodeError` carrying it. Input after
 * the error is dropped. Messages decoded before the error in the same socket
 * chunk are returned first and answered; a `Parser` can either return them
 * or throw, so the error is thrown, and the connection closed, when the next
 * chunk arrives (or when the peer closes). On the client side @effect/rpc
 * reports the error as an `RpcClientError` ("Protocol").
 *
 * Encoding throws `Message.MessageEncodeError` or the framer's
 * `FrameTooLargeError`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: SerializationOptions): RpcSerialization.RpcSerialization["Type"] => {
  const format = options.format === "msgpack" ? msgpackFormat : jsonFormat
  const framer = options.framer ?? Framing.lengthPrefixed()
  return RpcSerialization.RpcSerialization.of({
    contentType: options.format === "msgpack" ? "application/x-effect-net-msgpack" : "application/x-effect-net-json",
    includesFraming: true,
    unsafeMake: () => makeParser(format, framer)
  })
}

/**
 * Provide `RpcSerialization` for @effect/rpc's socket protocols.
 *
 * @example
 * ```ts
 * import { RpcClient } from "@effect/rpc"
 * import { Layer } from "effect"
 * import { Address, Client } from "effect-net"
 * import * as NetRpc from "effect-net/rpc"
 *
 * const protocol = RpcClient.layerProtocolSocket().pipe(
 *   Layer.provide(Client.layerSocket(Address.tcp(9000))),
 *   Layer.provide(NetRpc.layerSerialization({ format: "msgpack" }))
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSerialization = (options: SerializationOptions): Layer.Layer<RpcSerialization.RpcSerialization> =>
  Layer.succeed(RpcSerialization.RpcSerialization, make(options))
