/**
 * Connecting to a TCP or Unix-domain socket.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Address } from "./Address.js"
import type { Connection } from "./Connection.js"
import * as internal from "./internal/socket/nodeClient.js"
import * as socketClient from "./internal/socket/socketClient.js"
import * as errors from "./internal/socket/errors.js"

/**
 * | option | default | meaning |
 * |---|---|---|
 * | `connectTimeout` | 10 seconds | fail with `ConnectError` `ETIMEDOUT` after this long |
 * | `idleTimeout` | none | no bytes read or written for this long: reads fail with `IdleTimeoutError`, the socket is closed |
 * | `noDelay` | `false` | disable Nagle's algorithm (TCP) |
 * | `keepAlive` | `false` | enable TCP keep-alive probes |
 * | `closeTimeout` | 500 millis | how long a graceful close waits for the peer before destroying the socket |
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions extends internal.ConnectOptions {}

/**
 * Connects to `address`. The connection is closed with the scope: gracefully
 * when the scope's work succeeded, at once otherwise. Sockets are half-open
 * capable: after the peer's FIN the connection can still write.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: (
  address: Address,
  options?: ConnectOptions
) => Effect.Effect<Connection, ConnectError, Scope.Scope> = internal.connect

/**
 * Provides `@effect/platform`'s `Socket.Socket`. Like the platform's
 * `NodeSocket.layerNet`, every `run` / `runRaw` opens a fresh connection with
 * {@link connect}, closed when that run ends; so a client that calls `run`
 * again after the socket closed (as `@effect/rpc`'s `RpcClient` does)
 * reconnects. A failed connect fails that run with `Socket.SocketGenericError`
 * (reason `"Open"`, the `ConnectError` as `cause`); building the layer
 * connects nothing and cannot fail.
 *
 * `socket.writer` writes to the current run's connection; while no run has a
 * connection open, writes wait for one. A waiting write fails once the layer's
 * scope is closed, as does a `run` started after that. Handler effects run one
 * after another as the bytes are pulled, as in `Connection.toSocket`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSocket = (
  address: Address,
  options?: ConnectOptions
): Layer.Layer<Socket.Socket> => Layer.scoped(Socket.Socket, socketClient.make(address, options))

/**
 * @since 0.1.0
 * @category errors
 */
export const ConnectError = errors.ConnectError
/**
 * @since 0.1.0
 * @category errors
 */
export type ConnectError = errors.ConnectError
