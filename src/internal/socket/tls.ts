/**
 * `node:tls` glue: what TLS adds to connecting and listening. A `TLSSocket`
 * is a `net.Socket`, so once its handshake is done nodeSocket.ts's endpoint
 * carries it (pause/resume backpressure, drain, half-close, idle timeout and
 * graceful close work on it unchanged); this file opens the sockets, settles
 * and bounds the handshakes, and reads what they settled.
 */
import * as Option from "effect/Option"
import * as Net from "node:net"
import * as Tls from "node:tls"
import type { Address } from "../../Address.js"
import type { TlsConnectOptions, TlsCredential } from "../../Client.js"
import type { TlsInfo } from "../../Connection.js"
import type { TlsServeOptions } from "../../Server.js"
import type { Endpoint } from "./endpoint.js"
import { errorCode } from "./nodeSocket.js"

/** Node's types want mutable arrays. */
const credential = (value: TlsCredential | undefined): string | Buffer | Array<string | Buffer> | undefined =>
  value === undefined || typeof value === "string" || Buffer.isBuffer(value) ? value : Array.from(value)

/**
 * Options Node refused as it built the secure context (a key that is not a
 * key, one that does not match its certificate, an unknown `minVersion`, an
 * ALPN name over 255 bytes): it throws them synchronously. The fields of a
 * `ConnectError` / `ListenError`.
 *
 * @internal
 */
export interface BadOptions {
  readonly _tag: "BadOptions"
  readonly code: string
  readonly reason: string
  readonly cause: unknown
}

const badOptions = (cause: unknown): BadOptions => ({
  _tag: "BadOptions",
  code: errorCode(cause),
  reason: `the TLS options were refused: ${cause instanceof Error ? cause.message : String(cause)}`,
  cause
})

/** @internal */
export const isBadOptions = (value: unknown): value is BadOptions =>
  typeof value === "object" && value !== null && "_tag" in value && value._tag === "BadOptions"

/**
 * The name to send as SNI and check the certificate against for a host:
 * the host itself without brackets or a trailing dot, or `undefined` for an
 * IP address (SNI carries names only; Node checks an IP against the
 * certificate's IP entries). Node's `tls.connect` sends no SNI unless told.
 *
 * @internal
 */
export const serverName = (host: string): string | undefined => {
  const bare = host.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "")
  return bare === "" || Net.isIP(bare) !== 0 ? undefined : bare
}

/**
 * Starts a TLS connection to `address`; the caller waits for
 * `'secureConnect'`. `net` carries the TCP options (`allowHalfOpen`,
 * `noDelay`, `keepAlive`). Options Node refuses come back as `BadOptions`.
 *
 * @internal
 */
export const connect = (
  address: Address,
  options: TlsConnectOptions,
  net: { readonly allowHalfOpen: boolean; readonly noDelay?: boolean; readonly keepAlive?: boolean }
): Tls.TLSSocket | BadOptions => {
  try {
    return Tls.connect({
      ...(address._tag === "UnixAddress" ? { path: address.path } : { host: address.hostname, port: address.port }),
      ...net,
      ca: credential(options.ca),
      cert: credential(options.cert),
      key: credential(options.key),
      servername: options.servername ?? (address._tag === "TcpAddress" ? serverName(address.hostname) : undefined),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ALPNProtocols: options.ALPNProtocols === undefined ? undefined : Array.from(options.ALPNProtocols),
      minVersion: options.minVersion
    })
  } catch (cause) {
    return badOptions(cause)
  }
}

const authorizationError = (socket: Tls.TLSSocket): Option.Option<string> => {
  // Typed as an Error, but Node stores the verify error's code (a string) there.
  const error: unknown = socket.authorizationError
  if (error === undefined || error === null) return Option.none()
  return Option.some(typeof error === "string" ? error : errorCode(error))
}

/**
 * What the handshake settled, read once it is done.
 *
 * @internal
 */
export const info = (socket: Tls.TLSSocket): TlsInfo => {
  // An empty object when the peer sent no certificate.
  const certificate: Tls.PeerCertificate | null = socket.getPeerCertificate()
  return {
    protocol: socket.getProtocol() ?? "unknown",
    alpnProtocol: typeof socket.alpnProtocol === "string" ? Option.some(socket.alpnProtocol) : Option.none(),
    authorized: socket.authorized,
    authorizationError: authorizationError(socket),
    peerCertificate: certificate !== null && Object.keys(certificate).length > 0
      ? Option.some(certificate)
      : Option.none()
  }
}

/** @internal */
export const withInfo = (endpoint: Endpoint, socket: Tls.TLSSocket): Endpoint => ({ ...endpoint, tls: info(socket) })

/** Throws what Node refuses in `options`. */
const createServer = (options: TlsServeOptions): Tls.Server =>
  Tls.createServer({
    // Not yet: during the handshake nobody reads the socket, so a half-open one would never notice the peer's FIN
    // (a client that rejected our certificate, a probe) and linger until the deadline. `net.allowHalfOpen`
    // applies from 'secureConnection' on.
    allowHalfOpen: false,
    // Ours below is a deadline; 0 turns Node's off.
    handshakeTimeout: 0,
    key: credential(options.key),
    cert: credential(options.cert),
    ca: credential(options.ca),
    requestCert: options.requestCert ?? false,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    ALPNProtocols: options.ALPNProtocols === undefined ? undefined : Array.from(options.ALPNProtocols),
    minVersion: options.minVersion
  })

/**
 * Why a peer never reached a handler: Node's code and message, or our
 * handshake timeout.
 *
 * @internal
 */
export interface HandshakeFailure {
  /** Read when the TCP connection opened: a destroyed socket no longer knows it. */
  readonly remoteAddress: Address
  readonly code: string
  readonly reason: string
}

/** @internal */
export interface TlsListener {
  readonly server: Tls.Server
  /** Destroys every socket still in its handshake (at shutdown: they never reach a handler). */
  readonly dropHandshakes: () => void
}

/**
 * A `tls.Server` that hands over sockets only after a successful handshake.
 * Each TCP connection gets `handshakeTimeoutMillis` from the moment it opens
 * (a fixed deadline: Node's own `handshakeTimeout` is an idle timer a peer
 * could keep alive by trickling bytes); `onFailure` hears of every peer that
 * failed, timed out or vanished mid-handshake, except those dropped by
 * `dropHandshakes`.
 *
 * @internal
 */
export const listen = (
  options: TlsServeOptions,
  net: {
    readonly allowHalfOpen: boolean
    readonly handshakeTimeoutMillis: number | undefined
    readonly remoteAddress: (socket: Net.Socket) => Address
  },
  onSecure: (socket: Tls.TLSSocket) => void,
  onFailure: (failure: HandshakeFailure) => void
): TlsListener | BadOptions => {
  let server: Tls.Server
  try {
    server = createServer(options)
  } catch (cause) {
    return badOptions(cause)
  }

  // TCP sockets whose handshake is under way, with their deadline.
  const handshaking = new Map<Net.Socket, ReturnType<typeof setTimeout> | undefined>()
  const remotes = new WeakMap<Net.Socket, Address>()
  // Destroyed by us: their 'tlsClientError' (ECONNRESET) is not news.
  const dropped = new WeakSet<Net.Socket>()
  const settle = (raw: Net.Socket) => {
    clearTimeout(handshaking.get(raw))
    handshaking.delete(raw)
  }
  const drop = (raw: Net.Socket) => {
    settle(raw)
    dropped.add(raw)
    raw.destroy()
  }
  // Node's 'connection' listener (added by createServer, so it runs first) has wrapped `raw` in a TLSSocket.
  server.on("connection", (raw: Net.Socket) => {
    const millis = net.handshakeTimeoutMillis
    const remoteAddress = net.remoteAddress(raw)
    remotes.set(raw, remoteAddress)
    handshaking.set(
      raw,
      millis === undefined ? undefined : setTimeout(() => {
        drop(raw)
        onFailure({ remoteAddress, code: "ETIMEDOUT", reason: `no TLS handshake within ${millis} ms` })
      }, millis)
    )
    raw.once("close", () => settle(raw))
  })
  // A server-side TLSSocket keeps the TCP socket it wraps as `_parent`; no public API links the two.
  const parent = (socket: Tls.TLSSocket): Net.Socket =>
    (socket as unknown as { readonly _parent?: Net.Socket })._parent ?? socket
  server.on("secureConnection", (socket: Tls.TLSSocket) => {
    settle(parent(socket))
    // Node reads it when the peer's FIN arrives, so from now on the FIN is the handler's to answer.
    socket.allowHalfOpen = net.allowHalfOpen
    onSecure(socket)
  })
  server.on("tlsClientError", (error: Error, socket: Tls.TLSSocket) => {
    const raw = parent(socket)
    settle(raw)
    socket.destroy()
    if (dropped.has(raw)) return
    const remoteAddress = remotes.get(raw) ?? net.remoteAddress(raw)
    // Node says "socket hang up" for a FIN before the handshake finished (a client that rejected our certificate).
    const reason = socket.readableEnded ? "the peer closed the connection during the handshake" : error.message
    onFailure({ remoteAddress, code: errorCode(error), reason })
  })
  return {
    server,
    dropHandshakes: () => {
      for (const raw of Array.from(handshaking.keys())) drop(raw)
    }
  }
}
