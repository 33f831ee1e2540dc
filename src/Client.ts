/**
 * Connecting to a TCP or Unix-domain socket, in plain text or over TLS.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Address, AddressFailure } from "./Address.js"
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
 * | `flushTimeout` | 30 seconds | how long a graceful close's flush may see no byte leave Node's buffer before it destroys the socket and logs the count dropped (the kernel takes bytes in ~1.4 MiB batches over TCP: a reader slower than ~47 KiB/s can be cut off at the default) |
 * | `tls` | none (plain text) | connect over TLS: the connection opens after the handshake (see {@link TlsConnectOptions}) |
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
  /**
   * Connect over TLS (`node:tls`): the effect completes after the handshake,
   * which `connectTimeout` covers too; a failed handshake is `ConnectError`
   * with Node's code. `{}` trusts Node's bundled CAs and checks the host name.
   *
   * @since 0.2.0
   */
  readonly tls?: TlsConnectOptions | undefined
}

/**
 * PEM, as text or as a file's bytes, or several of them, as `node:tls`
 * takes keys, certificates and CAs (one PEM may also hold several
 * certificates, a chain or a CA bundle).
 *
 * @since 0.2.0
 * @category models
 */
export type TlsCredential = string | Buffer | ReadonlyArray<string | Buffer>

/**
 * The TLS versions `minVersion` can name.
 *
 * @since 0.2.0
 * @category models
 */
export type TlsVersion = "TLSv1.3" | "TLSv1.2" | "TLSv1.1" | "TLSv1"

/**
 * The client side of TLS. The server's certificate is verified against `ca`
 * (default: Node's bundled root CAs) and against the name dialled — the host,
 * or `servername` when given (an IP address is matched against the
 * certificate's IP `subjectAltName`s).
 *
 * | option | default | meaning |
 * |---|---|---|
 * | `ca` | Node's root CAs | the CA certificates to trust, replacing the bundled ones |
 * | `cert` / `key` | none | our certificate chain and private key, for servers that ask (mutual TLS) |
 * | `servername` | the host, unless it is an IP address | SNI name, and the name the certificate must match |
 * | `rejectUnauthorized` | `true` | `false` accepts any certificate; `Connection.tls` then says why it was not trusted |
 * | `ALPNProtocols` | none | protocols to offer, most preferred first; the chosen one is `Connection.tls.alpnProtocol` |
 * | `minVersion` | Node's (`TLSv1.2`) | the oldest TLS version to accept |
 *
 * @since 0.2.0
 * @category models
 */
export interface TlsConnectOptions {
  /** The CA certificates to trust, replacing Node's bundled root CAs (PEM). @since 0.2.0 */
  readonly ca?: TlsCredential | undefined
  /** Our certificate chain (PEM), sent when the server requests one (mutual TLS). @since 0.2.0 */
  readonly cert?: TlsCredential | undefined
  /** The private key for `cert` (PEM). @since 0.2.0 */
  readonly key?: TlsCredential | undefined
  /** The SNI name, and the name the server's certificate must match (default: the host, unless it is an IP address). @since 0.2.0 */
  readonly servername?: string | undefined
  /** Refuse a certificate that does not verify (default `true`); `false` accepts any, and `Connection.tls` says why it was not trusted. @since 0.2.0 */
  readonly rejectUnauthorized?: boolean | undefined
  /** Protocols to offer by ALPN, most preferred first (e.g. `["h2", "http/1.1"]`). @since 0.2.0 */
  readonly ALPNProtocols?: ReadonlyArray<string> | undefined
  /** The oldest TLS version to accept (default: Node's, `TLSv1.2`). @since 0.2.0 */
  readonly minVersion?: TlsVersion | undefined
}

/**
 * Connects to `address`. The connection is closed with the scope: gracefully
 * when the scope's work succeeded, at once otherwise. Sockets are half-open
 * capable: after the peer's FIN the connection can still write.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Address, Client } from "effect-net"
 *
 * const ping = Effect.gen(function*() {
 *   const connection = yield* Client.connect(Address.tcp(9000), { connectTimeout: "2 seconds" })
 *   yield* connection.write("ping\n")
 *   yield* connection.end
 *   return yield* connection.read.pipe(Stream.runCollect)
 * }).pipe(Effect.scoped) // the connection closes with the scope
 * ```
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
 * scope is closed, as does a `run` started after that. Handler effects run
 * as in `Connection.toSocket`: each in a fiber of its own, at most 64
 * unfinished before reading waits.
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
 * says why). A failed TLS handshake carries Node's code too
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `SELF_SIGNED_CERT_IN_CHAIN`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `CERT_HAS_EXPIRED`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_…` for a protocol alert), with
 * Node's message as `reason`; so do TLS options Node refuses before
 * connecting (`ERR_OSSL_…` for a key that is not one or does not match its
 * certificate, `ERR_TLS_INVALID_PROTOCOL_VERSION`, `ERR_OUT_OF_RANGE`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectError extends Data.TaggedError("ConnectError")<AddressFailure> {
  /** @since 0.1.0 */
  override get message(): string {
    return failureMessage("connect to", this)
  }
}
