import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as Tls from "node:tls"
import type { Address } from "../../Address.js"
import * as AddressM from "../../Address.js"
import type { ConnectOptions } from "../../Client.js"
import { ConnectError } from "../../Client.js"
import type { Connection } from "../../Connection.js"
import { badAddress } from "./badAddress.js"
import { acquire } from "./connection.js"
import type { Endpoint } from "./endpoint.js"
import { endpointOptions } from "./endpoint.js"
import { errorCode, makeEndpoint, tcpAddresses } from "./nodeSocket.js"
import { defaultConnectTimeout, millis } from "./timeouts.js"
import * as tls from "./tls.js"

const open = (address: Address, options: ConnectOptions, timeoutMillis: number | undefined) =>
  Effect.async<Endpoint, ConnectError>((resume) => {
    const tcp = address._tag === "UnixAddress"
      ? { allowHalfOpen: true }
      : { allowHalfOpen: true, noDelay: options.noDelay ?? false, keepAlive: options.keepAlive ?? false }
    const socket = options.tls === undefined
      ? Net.createConnection(
        address._tag === "UnixAddress"
          ? { path: address.path, ...tcp }
          : { host: address.hostname, port: address.port, ...tcp }
      )
      : tls.connect(address, options.tls, tcp)
    if (tls.isBadOptions(socket)) {
      const { cause, code, reason } = socket
      return resume(Effect.fail(new ConnectError({ address, code, reason, cause })))
    }
    // Nothing is read until the connection's stream pulls.
    socket.pause()
    // With TLS, a failure after the TCP connect is the handshake's: the reason says so.
    let handshaking = false
    if (options.tls !== undefined) {
      socket.once("connect", () => {
        handshaking = true
      })
    }
    const fail = (code: string, reason: string | undefined, cause?: unknown) => {
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.fail(new ConnectError({ address, code, ...(reason === undefined ? {} : { reason }), cause })))
    }
    // A plain timer rather than Effect.timeout: connecting is hot in servers' clients and a raced fiber per connect costs more than the socket.
    // No timer at all for an infinite connectTimeout (`millis` gives undefined).
    const timer = timeoutMillis === undefined ? undefined : setTimeout(() => {
      fail("ETIMEDOUT", handshaking ? `no TLS handshake within connectTimeout (${timeoutMillis} ms)` : undefined)
    }, timeoutMillis)
    const onError = (cause: Error) =>
      fail(errorCode(cause), handshaking ? `TLS handshake: ${cause.message}` : undefined, cause)
    socket.once("error", onError)
    socket.once(options.tls === undefined ? "connect" : "secureConnect", () => {
      clearTimeout(timer)
      socket.off("error", onError)
      // A throw here would escape node's listener as an uncaught exception and leave the connect hanging.
      try {
        const addresses = address._tag === "UnixAddress"
          ? { local: AddressM.unix(""), remote: address }
          : tcpAddresses(socket)
        const endpoint = makeEndpoint(socket, addresses, endpointOptions(options))
        resume(Effect.succeed(socket instanceof Tls.TLSSocket ? tls.withInfo(endpoint, socket) : endpoint))
      } catch (cause) {
        fail(errorCode(cause), undefined, cause)
      }
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.destroy()
    })
  })

/**
 * Connects and ties the socket to the scope; the connect itself stays
 * interruptible (and bounded by `connectTimeout`).
 *
 * @internal
 */
export const connect = (address: Address, options: ConnectOptions = {}): Effect.Effect<
  Connection,
  ConnectError,
  Scope.Scope
> =>
  Effect.suspend(() => {
    const bad = badAddress(address)
    return bad === undefined
      ? acquire(open(address, options, millis(options.connectTimeout ?? defaultConnectTimeout)))
      : Effect.fail(new ConnectError({ address, ...bad }))
  })
