/**
 * Where a socket listens or connects: a TCP host and port, or a Unix-domain
 * socket path. The values are `@effect/platform`'s `SocketServer.Address`, so
 * they pass unchanged between effect-net and the platform.
 *
 * @since 0.1.0
 */
import type * as SocketServer from "@effect/platform/SocketServer"
import { dual } from "effect/Function"

/**
 * @since 0.1.0
 * @category models
 */
export type Address = SocketServer.Address

/**
 * @since 0.1.0
 * @category models
 */
export type TcpAddress = SocketServer.TcpAddress

/**
 * @since 0.1.0
 * @category models
 */
export type UnixAddress = SocketServer.UnixAddress

/**
 * What a failure to connect to or listen on an address carries
 * (`Client.ConnectError`, `Server.ListenError`).
 *
 * @since 0.2.0
 * @category models
 */
export interface AddressFailure {
  /**
   * Where we tried to connect or listen.
   *
   * @since 0.1.0
   */
  readonly address: Address
  /**
   * Node's error code (`ECONNREFUSED`, `EADDRINUSE`, a TLS code, ...), or ours
   * for a bad address (`ERR_SOCKET_BAD_PORT`, `ERR_INVALID_ARG_VALUE`) or a
   * timeout (`ETIMEDOUT`).
   *
   * @since 0.1.0
   */
  readonly code: string
  /**
   * Why, in words, when the code alone does not say (a bad port, a path too long).
   *
   * @since 0.1.0
   */
  readonly reason?: string | undefined
  /**
   * Node's error, when there was one.
   *
   * @since 0.1.0
   */
  readonly cause?: unknown
}

/**
 * A TCP address. The host defaults to the IPv4 loopback, so nothing is exposed
 * to the network unless asked for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tcp = (port: number, host: string = "127.0.0.1"): TcpAddress => ({
  _tag: "TcpAddress",
  hostname: host,
  port
})

/**
 * A Unix-domain socket path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unix = (path: string): UnixAddress => ({ _tag: "UnixAddress", path })

/**
 * @since 0.1.0
 * @category guards
 */
export const isTcp = (self: Address): self is TcpAddress => self._tag === "TcpAddress"

/**
 * @since 0.1.0
 * @category guards
 */
export const isUnix = (self: Address): self is UnixAddress => self._tag === "UnixAddress"

/**
 * `host:port` (IPv6 hosts in brackets) or `unix:path`, for logs and messages.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (self: Address): string =>
  self._tag === "UnixAddress"
    ? `unix:${self.path}`
    : self.hostname.includes(":")
    ? `[${self.hostname}]:${self.port}`
    : `${self.hostname}:${self.port}`

/**
 * The same address with another port; Unix addresses are returned unchanged.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPort: {
  (port: number): (self: Address) => Address
  (self: Address, port: number): Address
} = dual(2, (self: Address, port: number): Address => self._tag === "TcpAddress" ? tcp(port, self.hostname) : self)
