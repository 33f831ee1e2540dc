/**
 * Connecting to a TCP or Unix-domain socket.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Address } from "./Address.js"
import type { Connection } from "./Connection.js"
import { failureMessage } from "./internal/socket/badAddress.js"
import * as internal from "./internal/socket/nodeClient.js"
import * as socketClient from "./internal/socket/socketClient.js"

/**
 * | option | default | meaning |
 * |---|---|---|
 * | `connectTimeout` | 10 seconds | fail with `ConnectError` `ETIMEDOUT` after this long |
 * | `idleTimeout` | none | no bytes read or written for this long: reads fail with `IdleTimeoutError`, the socket is closed |
 * | `noDelay` | `false` | disable Nagle's algorithm (TCP) |
 * | `keepAlive` | `false` | enable TCP keep-alive probes |
 * | `closeTimeout` | 500 millis | how long a graceful close waits for the peer, once our bytes are flushed, before destroying the socket |
 * | `flushTimeout` | 30 seconds | how long a graceful close's flush may see no byte leave Node's buffer before it destroys the socket and logs the count dropped |
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  /** Fail with `ConnectError` `ETIMEDOUT` after this long (default 10 seconds; infinite: no bound). @since 0.1.0 */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** No bytes read or written for this long: reads fail with `IdleTimeoutError`, the socket is closed (default: none). @since 0.1.0 */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** Disable Nagle's algorithm on a TCP socket (default `false`). @since 0.1.0 */
  readonly noDelay?: boolean | undefined
  /** Enable TCP keep-alive probes (default `false`). @since 0.1.0 */
  readonly keepAlive?: boolean | undefined
  /** How long a graceful close waits for the peer, once our bytes are flushed, before destroying the socket (default 500 millis; infinite: no bound). @since 0.1.0 */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /**
   * How long a graceful close waits for written bytes to reach the kernel while none leave Node's buffer (the peer
   * stopped reading); then the socket is destroyed and the count of bytes dropped logged at Warning (default 30
   * seconds; infinite: no bound). It measures no progress, not total time: a slow reader that keeps reading is
   * waited for. No effect over the memory transport (nothing to flush).
   *
   * @since 0.2.0
   */
  readonly flushTimeout?: Duration.DurationInput | undefined
}

/**
 * Connects to `address`. The connection is closed with the scope: gracefully
 * when the scope's work succeeded, at once otherwise. Sockets are half-open
 * capable: after the peer's FIN the connection can still write.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (
  address: Address,
  options?: ConnectOptions
): Effect.Effect<Connection, ConnectError, Scope.Scope> => internal.connect(address, options)

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
 * Connecting failed: `code` is Node's (`ECONNREFUSED`, `ENOENT`, …),
 * `ETIMEDOUT` when `connectTimeout` passed, or `ERR_SOCKET_BAD_PORT` /
 * `ERR_INVALID_ARG_VALUE` for an address that cannot be dialled (`reason`
 * says why).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectError extends Data.TaggedError("ConnectError")<{
  /** Where we tried to connect. @since 0.1.0 */
  readonly address: Address
  /** Node's error code, or ours for a bad address or a timeout. @since 0.1.0 */
  readonly code: string
  /** Why, in words, when the code alone does not say (a bad address). @since 0.1.0 */
  readonly reason?: string | undefined
  /** Node's error, when there was one. @since 0.1.0 */
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return failureMessage("connect to", this)
  }
}
