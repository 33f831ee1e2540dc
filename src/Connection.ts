/**
 * One open socket as a scoped resource: a pull-based byte stream in, writes
 * that wait for the kernel to take the bytes out.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import type * as Effect from "effect/Effect"
import { hasProperty } from "effect/Predicate"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import type { Address } from "./Address.js"
import * as internal from "./internal/socket/connection.js"
import * as errors from "./internal/socket/errors.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * An open connection. It lives as long as the scope that acquired it
 * (`Client.connect`, or the per-connection scope of `Server.serve`): when that
 * scope closes after success the socket is closed gracefully (pending writes
 * flushed, FIN, a bounded wait for the peer to close, then destroyed), and
 * after failure or interruption it is destroyed at once.
 *
 * - `read`: the bytes from the peer. The socket is paused until the stream
 *   pulls; each pull hands over everything received so far as one chunk
 *   (reading ahead stops once 64 KiB wait unread, so a handler that does not
 *   read makes TCP push back on the sender). The stream ends on the peer's
 *   FIN; elements are Node `Buffer`s (which are `Uint8Array`s). There
 *   is one read cursor per connection: running `read` again continues where
 *   the previous run stopped, and bytes pulled by a run that was cut short
 *   (e.g. by `Stream.take`) are not seen again.
 * - `write`: resolves once Node accepted the bytes, waiting for `'drain'`
 *   first when its buffer is full. Writes are sent in the order they run.
 *   After the socket closed it fails at once: with the error that closed it
 *   (`WriteError`, `IdleTimeoutError`) or `SocketClosedError`.
 * - `sink`: writes every element of a stream with the same backpressure; it
 *   does not half-close (follow it with `end`).
 * - `end`: half-close. The peer reads EOF; reading goes on. Idempotent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly [TypeId]: TypeId
  readonly localAddress: Address
  readonly remoteAddress: Address
  readonly read: Stream.Stream<Uint8Array, SocketError>
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, SocketError>
  readonly sink: Sink.Sink<void, Uint8Array, never, SocketError>
  readonly end: Effect.Effect<void, SocketError>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isConnection = (u: unknown): u is Connection => hasProperty(u, TypeId)

/**
 * A `@effect/platform` `Socket.Socket` view of an open connection, so
 * platform users (`@effect/rpc`, `Socket.toChannel`, …) run over effect-net.
 * `run` pulls the bytes and runs the handler's effects one after another, so
 * a slow handler slows the peer down; it completes on the peer's FIN. The
 * writer sends `Uint8Array`s and strings; a `CloseEvent` (or releasing the
 * writer's scope) half-closes. Errors become `Socket.SocketGenericError`
 * with reason `"Read"` / `"Write"` and the effect-net error as `cause`.
 *
 * @since 0.1.0
 * @category interop
 */
export const toSocket: (self: Connection) => Socket.Socket = internal.toSocket

/**
 * Connecting failed. `code` is Node's (`ECONNREFUSED`, `ENOENT`, …) or
 * `ETIMEDOUT` when `connectTimeout` passed.
 *
 * @since 0.1.0
 * @category errors
 */
export const ConnectError = errors.ConnectError
/**
 * @since 0.1.0
 * @category errors
 */
export type ConnectError = errors.ConnectError

/**
 * Listening failed: `EADDRINUSE`, `EACCES`, or `ENAMETOOLONG` for a Unix
 * path longer than the OS allows (`reason` says so).
 *
 * @since 0.1.0
 * @category errors
 */
export const ListenError = errors.ListenError
/**
 * @since 0.1.0
 * @category errors
 */
export type ListenError = errors.ListenError

/**
 * Node reported an error while the connection was open (`ECONNRESET`, …);
 * seen by reads.
 *
 * @since 0.1.0
 * @category errors
 */
export const ReadError = errors.ReadError
/**
 * @since 0.1.0
 * @category errors
 */
export type ReadError = errors.ReadError

/**
 * Node reported an error while the connection was open (`EPIPE`,
 * `ECONNRESET`, …); seen by writes.
 *
 * @since 0.1.0
 * @category errors
 */
export const WriteError = errors.WriteError
/**
 * @since 0.1.0
 * @category errors
 */
export type WriteError = errors.WriteError

/**
 * No bytes were read or written for `idleTimeout`; the socket was closed.
 *
 * @since 0.1.0
 * @category errors
 */
export const IdleTimeoutError = errors.IdleTimeoutError
/**
 * @since 0.1.0
 * @category errors
 */
export type IdleTimeoutError = errors.IdleTimeoutError

/**
 * The socket was already closed (or half-closed, for writes) and nothing went
 * wrong to say more.
 *
 * @since 0.1.0
 * @category errors
 */
export const SocketClosedError = errors.SocketClosedError
/**
 * @since 0.1.0
 * @category errors
 */
export type SocketClosedError = errors.SocketClosedError

/**
 * Every socket error.
 *
 * @since 0.1.0
 * @category errors
 */
export type SocketError = errors.SocketError
