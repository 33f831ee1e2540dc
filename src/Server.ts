/**
 * Serving connections: one fiber and scope per connection, a connection
 * limit, idle timeouts and a graceful shutdown bound to the scope.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Address, AddressFailure } from "./Address.js"
import type { TlsCredential, TlsVersion } from "./Client.js"
import type { Connection } from "./Connection.js"
import { failureMessage } from "./internal/socket/badAddress.js"
import { toSocket } from "./internal/socket/connection.js"
import * as nodeServer from "./internal/socket/nodeServer.js"
import * as internal from "./internal/socket/server.js"

/**
 * A running server. `address` is the bound address (the real port when 0 was
 * asked); `connections` counts the connections being handled.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
  /** The bound address: the real port when 0 was asked. @since 0.1.0 */
  readonly address: Address
  /** How many connections are being handled now. @since 0.1.0 */
  readonly connections: Effect.Effect<number>
}

/**
 * | option | default | meaning |
 * |---|---|---|
 * | `maxConnections` | unlimited | connections beyond this many are closed at once and a warning is logged |
 * | `idleTimeout` | none | no bytes read or written for this long: the handler's read fails with `IdleTimeoutError`, the socket is closed |
 * | `allowHalfOpen` | `true` | after the peer's FIN the handler can still write; `false` ends our side too |
 * | `shutdownGracePeriod` | 5 seconds | on scope close, how long busy handlers may run before they are interrupted |
 * | `closeTimeout` | 500 millis | how long a graceful close waits for the peer, once our bytes are flushed, before destroying the socket |
 * | `flushTimeout` | 30 seconds | how long a graceful close's flush may see no byte leave Node's buffer before it destroys the socket and logs the count dropped (the kernel takes bytes in ~1.4 MiB batches over TCP: a reader slower than ~47 KiB/s can be cut off at the default) |
 * | `noDelay` | `false` | disable Nagle's algorithm on accepted TCP sockets |
 * | `keepAlive` | `false` | TCP keep-alive on accepted sockets |
 * | `backlog` | Node's | the listen backlog |
 * | `tls` | none (plain text) | serve TLS: handlers run after a successful handshake (see {@link TlsServeOptions}) |
 * | `handshakeTimeout` | 10 seconds | with `tls`: a peer that has not completed the handshake by then is dropped |
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions {
  /** Connections beyond this many are closed at once and a warning is logged (default: unlimited). @since 0.1.0 */
  readonly maxConnections?: number | undefined
  /** No bytes read or written for this long: the handler's read fails with `IdleTimeoutError`, the socket is closed (default: none). @since 0.1.0 */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** After the peer's FIN the handler can still write (default `true`); `false` ends our side too. @since 0.1.0 */
  readonly allowHalfOpen?: boolean | undefined
  /** On scope close, how long busy handlers may run before they are interrupted (default 5 seconds). @since 0.1.0 */
  readonly shutdownGracePeriod?: Duration.DurationInput | undefined
  /** How long a graceful close waits for the peer, once our bytes are flushed, before destroying the socket (default 500 millis; infinite: no bound). @since 0.1.0 */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /**
   * How long a graceful close waits for written bytes to reach the kernel while none leave Node's buffer; then
   * the socket is destroyed and the count of bytes dropped logged at Warning (default 30 seconds; infinite: no
   * bound). It measures no progress, not total time, but progress as Node sees it: the kernel takes bytes in
   * batches (a third of its TCP send buffer, ~1.4 MiB on Linux with default settings; ~190 KiB on a Unix
   * socket), so a reader that keeps reading is waited for only if it reads a batch within the bound. At the
   * default that is ~47 KiB/s over TCP and ~6 KiB/s over Unix (measured on Linux loopback); raise it, or make it
   * infinite, for slower readers. No effect over the memory transport (nothing to flush).
   *
   * @since 0.2.0
   */
  readonly flushTimeout?: Duration.DurationInput | undefined
  /** Disable Nagle's algorithm on accepted TCP sockets (default `false`). @since 0.1.0 */
  readonly noDelay?: boolean | undefined
  /** TCP keep-alive on accepted sockets (default `false`). @since 0.1.0 */
  readonly keepAlive?: boolean | undefined
  /** The listen backlog (default: Node's). @since 0.1.0 */
  readonly backlog?: number | undefined
  /**
   * Serve TLS (`node:tls`). The handler runs only after a successful
   * handshake; a peer that fails it (a plain-text client, an untrusted
   * certificate) is dropped and logged at Debug, and never reaches a handler
   * nor counts against `maxConnections`.
   *
   * @since 0.2.0
   */
  readonly tls?: TlsServeOptions | undefined
  /**
   * With `tls`: a peer that has not completed the handshake this long after
   * its TCP connection opened is dropped and logged at Debug (default 10
   * seconds; infinite: no bound). Handshakes still under way when the
   * server's scope closes are dropped at once.
   *
   * @since 0.2.0
   */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
}

/**
 * The server side of TLS: our certificate and key, and whether clients must
 * show a certificate of their own (mutual TLS).
 *
 * | option | default | meaning |
 * |---|---|---|
 * | `key` / `cert` | required | our private key and certificate chain (PEM) |
 * | `ca` | Node's root CAs | the CAs a client certificate must chain to |
 * | `requestCert` | `false` | ask every client for a certificate |
 * | `rejectUnauthorized` | `true` | with `requestCert`: drop a client whose certificate is missing or does not verify; `false` lets it in, and `Connection.tls` says why it is not trusted |
 * | `ALPNProtocols` | none | protocols we speak, most preferred first; a client offering none of them is refused |
 * | `minVersion` | Node's (`TLSv1.2`) | the oldest TLS version to accept |
 *
 * @since 0.2.0
 * @category models
 */
export interface TlsServeOptions {
  /** Our private key (PEM). @since 0.2.0 */
  readonly key: TlsCredential
  /** Our certificate chain (PEM), leaf first. @since 0.2.0 */
  readonly cert: TlsCredential
  /** The CAs a client certificate must chain to (default: Node's bundled root CAs). @since 0.2.0 */
  readonly ca?: TlsCredential | undefined
  /** Ask every client for a certificate (default `false`). @since 0.2.0 */
  readonly requestCert?: boolean | undefined
  /**
   * With `requestCert`: drop a client whose certificate is missing or does not
   * verify (default `true`); `false` lets it in, and `Connection.tls` says why
   * it is not trusted.
   *
   * @since 0.2.0
   */
  readonly rejectUnauthorized?: boolean | undefined
  /** Protocols we speak by ALPN, most preferred first; a client that offers only others is refused. @since 0.2.0 */
  readonly ALPNProtocols?: ReadonlyArray<string> | undefined
  /** The oldest TLS version to accept (default: Node's, `TLSv1.2`). @since 0.2.0 */
  readonly minVersion?: TlsVersion | undefined
}

/**
 * Listens on `address` and runs `handler` for each connection in its own
 * fiber and scope. A handler that fails or dies is logged in one line at
 * Error — `connection handler failed: <tag>: <message>` (or `died`, for a
 * defect), annotated with `remoteAddress`; a failure that is only the
 * peer's (`IdleTimeoutError`, or `Framing.FrameTimeoutError`) is logged at
 * Info as `connection closed: <tag>: <message>` — with the full cause at Debug, and
 * its connection destroyed; one that succeeds has its connection closed
 * gracefully. The server keeps serving either way.
 *
 * Closing the scope stops accepting; idle handlers — waiting to read, with no
 * bytes read since their last write or `end` — are interrupted at once (or as
 * soon as they become idle); the rest, including one that read part of a
 * request it has not answered, get `shutdownGracePeriod` and are then
 * interrupted; every socket is destroyed, including ones accepted but not yet
 * handled, and the Unix socket file is removed.
 *
 * A Unix path whose file is left over from a dead process (connecting to it
 * is refused) is replaced; one with a live listener is `ListenError`
 * `EADDRINUSE`; a path longer than the OS allows is `ListenError`
 * `ENAMETOOLONG`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Address, Server } from "effect-net"
 *
 * // an echo server; closing the scope shuts it down gracefully
 * const echo = Effect.gen(function*() {
 *   const server = yield* Server.serve(
 *     Address.tcp(0),
 *     (connection) => connection.read.pipe(Stream.run(connection.sink)),
 *     { idleTimeout: "30 seconds", maxConnections: 1000 }
 *   )
 *   yield* Effect.log(`listening on ${Address.format(server.address)}`)
 *   return yield* Effect.never
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = <A, E, R>(
  address: Address,
  handler: (connection: Connection) => Effect.Effect<A, E, R>,
  options: ServeOptions = {}
): Effect.Effect<Server, ListenError, R | Scope.Scope> =>
  internal.serve(nodeServer.listen(address, options), handler, options)

interface Registration {
  readonly handler: (socket: Socket.Socket) => Effect.Effect<unknown, unknown>
  readonly done: Deferred.Deferred<void>
}

/**
 * Provides `@effect/platform`'s `SocketServer.SocketServer` backed by
 * `serve`, with its limits, idle timeout and shutdown. Each connection is
 * handed to the handler as `Connection.toSocket`. Connections that arrive
 * before `run` is called wait for it (and are closed at once if the layer
 * shuts down first); interrupting `run` interrupts its handlers. Handler
 * failures are logged, as with `serve`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSocketServer = (
  address: Address,
  options?: ServeOptions
): Layer.Layer<SocketServer.SocketServer, ListenError> =>
  Layer.scoped(
    SocketServer.SocketServer,
    Effect.gen(function*() {
      let registration = yield* Deferred.make<Registration>()
      const closing = yield* Deferred.make<void>()
      const server = yield* serve(address, (connection) =>
        Effect.gen(function*() {
          // A connection still waiting for `run` has no work in flight: shutdown interrupts it at once.
          const current = yield* Effect.raceFirst(
            Deferred.await(registration),
            Effect.zipRight(Deferred.await(closing), Effect.interrupt)
          )
          yield* Effect.raceFirst(current.handler(toSocket(connection)), Deferred.await(current.done))
        }), options)
      // Registered after `serve`, so it runs before the server's own shutdown.
      yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))
      const run = <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) =>
        Effect.gen(function*() {
          const context = yield* Effect.context<R>()
          const done = yield* Deferred.make<void>()
          // A later `run` takes over new connections from an earlier one.
          if (yield* Deferred.isDone(registration)) registration = yield* Deferred.make<Registration>()
          const mine = registration
          yield* Deferred.succeed(mine, { handler: (socket) => Effect.provide(handler(socket), context), done })
          return yield* Effect.never.pipe(
            Effect.ensuring(Effect.gen(function*() {
              if (registration === mine) registration = yield* Deferred.make<Registration>()
              yield* Deferred.succeed(done, undefined)
            }))
          )
        })
      return SocketServer.SocketServer.of({ address: server.address, run })
    })
  )

/**
 * Listening failed: `EADDRINUSE`, `EACCES`, `ENAMETOOLONG` for a Unix path
 * longer than the OS allows, `ERR_SOCKET_BAD_PORT` / `ERR_INVALID_ARG_VALUE`
 * for an address that cannot be bound (`reason` says why), or Node's code
 * for TLS options it refuses (`ERR_OSSL_…` for a key that is not one or does
 * not match its certificate, `ERR_OUT_OF_RANGE` for an ALPN name over 255
 * bytes), with its message in `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ListenError extends Data.TaggedError("ListenError")<AddressFailure> {
  /** @since 0.1.0 */
  override get message(): string {
    return failureMessage("listen on", this)
  }
}
