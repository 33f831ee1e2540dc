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
import * as Layer from "effect/Layer"
import * as Framing from "./Framing.js"
import { jsonFormat, msgpackFormat } from "./internal/framing/message.js"
import { makeParser } from "./internal/framing/rpcParser.js"

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
 * Errors thrown to @effect/rpc: a frame that is not UTF-8, JSON or
 * MessagePack is a `Message.MessageDecodeError`; an incoming frame over the
 * framer's `maxFrameLength` is @effect/rpc's `RpcSerializationError`
 * (`BufferSizeExceeded`), on which its server closes the connection; other
 * framing errors as the framer reports them. Messages decoded before an error
 * are delivered first; after it the connection's input is not read any more.
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
