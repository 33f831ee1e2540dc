/**
 * One open socket as a scoped resource: a pull-based byte stream in, writes
 * that wait for the kernel to take the bytes out.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import { hasProperty } from "effect/Predicate"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import type * as Tls from "node:tls"
import type { Address } from "./Address.js"
import type { ConnectError } from "./Client.js"
import * as internal from "./internal/socket/connection.js"
import type { ListenError } from "./Server.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-net/Connection")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * An open connection. It lives as long as the scope that acquired it
 * (`Client.connect`, or the per-connection scope of `Server.serve`): when that
 * scope closes after success the socket is closed gracefully (every accepted
 * byte flushed to the kernel, FIN, a wait for the peer to close bounded by
 * `closeTimeout`, then destroyed), and after failure or interruption it is
 * destroyed at once. A flush the peer does not let progress (it stopped
 * reading) is bounded by `flushTimeout` (default 30 seconds of no bytes
 * leaving). Bytes dropped by that bound, by a close at once or by an error
 * are never dropped silently: their count is logged at Warning, annotated
 * with `remoteAddress` and `unsentBytes`.
 *
 * - `read`: the bytes from the peer. The socket is paused until the stream
 *   pulls; each pull hands over everything received so far as one chunk
 *   (at most 384 KiB is read ahead: reading stops once 256 KiB wait unread
 *   — the kernel read that crossed the mark and one more that Node takes
 *   before it stops are up to 64 KiB each — and starts again when a pull
 *   takes them, so a handler that does not read makes TCP push back on the
 *   sender; on the memory transport (`Transport.layerMemory`), 64 KiB). A
 *   pull that waits is woken by a short kernel read at once, and after a
 *   full one (16 KiB or more) once the event-loop turn's other reads are in,
 *   so a burst of reads arrives as one chunk. The stream ends on the peer's
 *   FIN; elements are Node `Buffer`s (which are `Uint8Array`s). There
 *   is one read cursor per connection: running `read` again continues where
 *   the previous run stopped, and bytes pulled by a run that was cut short
 *   (e.g. by `Stream.take`) are not seen again.
 * - `write`: resolves once Node accepted the bytes, waiting for `'drain'`
 *   first when its buffer is full. Writes are sent in the order they run.
 *   After the socket closed it fails at once: with the error that closed it
 *   (`WriteError`, `IdleTimeoutError`) or `SocketClosedError`.
 * - `sink`: writes every element of a stream with the same backpressure,
 *   each Stream chunk as one batch (one `writev`, runs of pieces under 1 KiB
 *   copied into one buffer); it does not half-close (follow it with `end`).
 * - `flush`: resolves once every byte accepted so far is in the kernel (Node
 *   holds none), so the bytes survive a close at once. It fails if they
 *   cannot get there: with the error that closed the socket, or
 *   `SocketClosedError` when it was closed with bytes still held. It has no
 *   bound of its own (a peer that never reads keeps it waiting, as it keeps a
 *   `write` waiting for `'drain'`): bound it with `idleTimeout` or
 *   `Effect.timeout`. Over the memory transport it resolves at once: a
 *   write copies straight into the peer's pipe.
 * - `end`: half-close. Flushes, then sends FIN, and resolves once the FIN is
 *   sent; the peer reads every accepted byte, then EOF; reading goes on.
 *   Idempotent. It fails as `flush` does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId
  /** Our end: the bound TCP address, or the Unix path (empty on a client's side). @since 0.1.0 */
  readonly localAddress: Address
  /** The peer's end: its TCP address, or the Unix path (empty on a server's side). @since 0.1.0 */
  readonly remoteAddress: Address
  /** What the TLS handshake settled, on a TLS connection; `None` on plain TCP, Unix and memory connections. @since 0.2.0 */
  readonly tls: Option.Option<TlsInfo>
  /** The bytes from the peer, pulled on demand; ends on the peer's FIN. @since 0.1.0 */
  readonly read: Stream.Stream<Uint8Array, ReadFailure>
  /** Resolves once Node accepted the bytes (after `'drain'` when its buffer is full). @since 0.1.0 */
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, WriteFailure>
  /** Writes each element of a stream with `write`'s backpressure, one batched write per chunk. @since 0.1.0 */
  readonly sink: Sink.Sink<void, Uint8Array, never, WriteFailure>
  /** Resolves once every byte accepted so far is in the kernel; fails if they cannot get there. @since 0.2.0 */
  readonly flush: Effect.Effect<void, WriteFailure>
  /** Half-close: flush, FIN, reading goes on; resolves once the FIN is sent. Idempotent. @since 0.1.0 */
  readonly end: Effect.Effect<void, WriteFailure>
}

/**
 * What a completed TLS handshake settled, as seen from our end.
 *
 * @since 0.2.0
 * @category models
 */
export interface TlsInfo {
  /** The negotiated version, e.g. `"TLSv1.3"`. @since 0.2.0 */
  readonly protocol: string
  /** The protocol both sides chose by ALPN; `None` when either offered none. @since 0.2.0 */
  readonly alpnProtocol: Option.Option<string>
  /**
   * The peer's certificate verified against the trusted CAs (and, on a
   * client, matched the name dialled). Only `false` where
   * `rejectUnauthorized: false` let an untrusted peer in — or, on a server,
   * for a client that sent no certificate.
   *
   * @since 0.2.0
   */
  readonly authorized: boolean
  /** Why the peer is not `authorized`: Node's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. @since 0.2.0 */
  readonly authorizationError: Option.Option<string>
  /** The peer's certificate (subject, issuer, validity, fingerprints, …); `None` when it sent none. @since 0.2.0 */
  readonly peerCertificate: Option.Option<Tls.PeerCertificate>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isConnection = (u: unknown): u is Connection => hasProperty(u, TypeId)

/**
 * A `@effect/platform` `Socket.Socket` view of an open connection, so
 * platform users (`@effect/rpc`, `Socket.toChannel`, …) run over effect-net.
 * `run` calls the handler for each piece of input in order and runs each
 * effect it returns in a fiber of its own, as the platform does, so one that
 * waits does not hold up the input behind it (an @effect/rpc stream nobody
 * reads yet does not stop replies to other calls). Unlike the platform's,
 * reading waits while 64 such effects are unfinished, so a slow handler
 * still slows the peer down; the first to fail fails `run` and interrupts
 * the rest. It completes on the peer's FIN once its effects are done. The
 * writer sends `Uint8Array`s and strings. A `CloseEvent` closes the
 * connection, as the platform's does, but gracefully and in the background:
 * what was accepted is flushed first (bounded by `flushTimeout`), then the
 * peer gets `closeTimeout` to close, and reads end at once, so `run`
 * completes. Releasing the writer's scope half-closes. Errors become `Socket.SocketGenericError`
 * with reason `"Read"` / `"Write"` and the effect-net error as `cause`.
 *
 * @since 0.1.0
 * @category interop
 */
export const toSocket = (self: Connection): Socket.Socket => internal.toSocket(self)

/**
 * Node reported an error while the connection was open (`ECONNRESET`, …);
 * seen by reads.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReadError extends Data.TaggedError("ReadError")<{
  /** Node's error code (`ECONNRESET`, …), or `UNKNOWN` when it gave none. @since 0.1.0 */
  readonly code: string
  /** Node's error, when there was one. @since 0.1.0 */
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `socket read failed: ${this.code}`
  }
}

/**
 * Node reported an error while the connection was open (`EPIPE`,
 * `ECONNRESET`, …); seen by writes. A write after the peer went away is
 * `EPIPE`.
 *
 * @since 0.1.0
 * @category errors
 */
export class WriteError extends Data.TaggedError("WriteError")<{
  /** Node's error code (`EPIPE`, `ECONNRESET`, …), or `UNKNOWN` when it gave none. @since 0.1.0 */
  readonly code: string
  /** Node's error, when there was one. @since 0.1.0 */
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `socket write failed: ${this.code}`
  }
}

/**
 * No bytes were read or written for `idleTimeout`; the socket was closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class IdleTimeoutError extends Data.TaggedError("IdleTimeoutError")<{
  /** The `idleTimeout` that passed, in milliseconds. @since 0.1.0 */
  readonly timeoutMillis: number
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return `no bytes read or written for ${this.timeoutMillis} ms`
  }
}

/**
 * The socket was already closed (or, for writes, half-closed by our own
 * `end`) and nothing went wrong to say more.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketClosedError extends Data.TaggedError("SocketClosedError")<{
  /** What was attempted (`"flush"` since 0.2.0). @since 0.1.0 */
  readonly operation: "read" | "write" | "flush" | "end"
  /**
   * `true` when the socket is still open but our sending side was closed:
   * `end` ran (or, on a server with `allowHalfOpen: false`, the peer's FIN
   * ended it). Reading goes on.
   *
   * @since 0.1.0
   */
  readonly halfClosed?: boolean | undefined
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return this.halfClosed === true
      ? `cannot ${this.operation}: the socket was half-closed by us (end); it can still read, not write`
      : `cannot ${this.operation}: the socket is closed`
  }
}

/**
 * What `Connection.read` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReadFailure = ReadError | IdleTimeoutError | SocketClosedError

/**
 * What `Connection.write`, `sink`, `flush` and `end` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type WriteFailure = WriteError | IdleTimeoutError | SocketClosedError

/**
 * Every socket error: connecting (`Client.ConnectError`), listening
 * (`Server.ListenError`), and an open connection's reads and writes.
 *
 * @since 0.1.0
 * @category errors
 */
export type SocketError = ConnectError | ListenError | ReadFailure | WriteFailure
