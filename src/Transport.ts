/**
 * The same program over TCP, TLS, Unix sockets or in-process pairs: code that
 * needs to connect or serve asks for `Transport` and a layer decides which.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Address } from "./Address.js"
import * as AddressM from "./Address.js"
import type { ConnectError, ConnectOptions, TlsConnectOptions } from "./Client.js"
import type { Connection } from "./Connection.js"
import { acquire } from "./internal/socket/connection.js"
import { endpointOptions } from "./internal/socket/endpoint.js"
import * as memory from "./internal/socket/memory.js"
import * as nodeClient from "./internal/socket/nodeClient.js"
import * as nodeServer from "./internal/socket/nodeServer.js"
import { serverName } from "./internal/socket/tls.js"
import * as engine from "./internal/socket/server.js"
import type { ListenError, ServeOptions, Server, TlsServeOptions } from "./Server.js"

/**
 * Connect to, or serve on, an address fixed by the layer.
 *
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("effect-net/Transport")<Transport, {
  readonly connect: Effect.Effect<Connection, ConnectError, Scope.Scope>
  readonly serve: <E, R>(
    handler: (connection: Connection) => Effect.Effect<void, E, R>
  ) => Effect.Effect<Server, ListenError, R | Scope.Scope>
}>() {}

/**
 * `Client.ConnectOptions` without `tls`: a transport fixes whether it is TLS.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainConnectOptions = Omit<ConnectOptions, "tls">

/**
 * `Server.ServeOptions` without the TLS ones: a transport fixes whether it is TLS.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainServeOptions = Omit<ServeOptions, "tls" | "handshakeTimeout">

/**
 * `layerTcp` options: the address, plus `Client.ConnectOptions` for
 * `connect` and `Server.ServeOptions` for `serve` (`closeTimeout` and
 * `flushTimeout` bound both ends' graceful close).
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpOptions extends PlainConnectOptions, PlainServeOptions {
  /** The port to serve on and connect to; 0 serves on a free port (and `connect` follows it). @since 0.1.0 */
  readonly port: number
  /** The host (default `127.0.0.1`, the IPv4 loopback). @since 0.1.0 */
  readonly host?: string | undefined
}

/**
 * `layerUnix` options: the socket path, plus `Client.ConnectOptions` for
 * `connect` and `Server.ServeOptions` for `serve` (`closeTimeout` and
 * `flushTimeout` bound both ends' graceful close).
 *
 * @since 0.1.0
 * @category models
 */
export interface UnixOptions extends PlainConnectOptions, PlainServeOptions {
  /** The Unix-domain socket path to serve on and connect to. @since 0.1.0 */
  readonly path: string
}

/**
 * `layerTls` options: the address, the two sides' TLS settings, plus
 * `Client.ConnectOptions` for `connect` and `Server.ServeOptions` (with
 * `handshakeTimeout`) for `serve`.
 *
 * @since 0.2.0
 * @category models
 */
export interface TlsOptions extends TcpOptions {
  /** The serving side's key, certificate and client-certificate policy. @since 0.2.0 */
  readonly server: TlsServeOptions
  /** The connecting side's trust (`ca`), name check and client certificate. @since 0.2.0 */
  readonly client: TlsConnectOptions
  /** A peer that has not completed the handshake by then is dropped (default 10 seconds). @since 0.2.0 */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
}

/**
 * How the memory transport cuts the bytes that flow through it: every piece
 * `size` bytes (`size: 1` is byte-at-a-time), or random sizes in
 * `1..maxSize` drawn from `seed` (the same seed and the same sequence of
 * connections give the same cuts). A re-chunked connection hands over one
 * piece per pull.
 *
 * @since 0.1.0
 * @category models
 */
export type Rechunk =
  | {
    readonly _tag: "Fixed"
    /** Bytes per piece (the last piece of a write may be shorter). @since 0.1.0 */
    readonly size: number
  }
  | {
    readonly _tag: "Random"
    /** Seeds the cut sizes: the same seed gives the same cuts. @since 0.1.0 */
    readonly seed: number
    /** Largest piece, in bytes; sizes are drawn from `1..maxSize`. @since 0.1.0 */
    readonly maxSize: number
  }

/**
 * @since 0.1.0
 * @category constructors
 */
export const fixedChunks = (size: number): Rechunk => ({ _tag: "Fixed", size: Math.max(1, Math.floor(size)) })

/**
 * @since 0.1.0
 * @category constructors
 */
export const randomChunks = (seed: number, maxSize: number = 16): Rechunk => ({
  _tag: "Random",
  seed,
  maxSize: Math.max(1, Math.floor(maxSize))
})

/**
 * `layerMemory` options. Both ends use `idleTimeout` and `closeTimeout`; the
 * serving side also the `Server.ServeOptions` (`noDelay`, `keepAlive`,
 * `backlog` and `flushTimeout` mean nothing here: a write copies straight
 * into the peer's pipe, so there is never anything to flush).
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions extends PlainServeOptions {
  /** How to cut the traffic, both ways (default: as written). @since 0.1.0 */
  readonly rechunk?: Rechunk | undefined
}

/**
 * A TCP transport. `connect` goes to the address the most recent `serve` on
 * this transport that is still running is bound to (so `port: 0` works), else
 * to `host:port`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTcp = (options: TcpOptions): Effect.Effect<Transport["Type"]> =>
  makeNode(AddressM.tcp(options.port, options.host), options, options)

/**
 * A TLS transport over TCP: as {@link makeTcp}, with `server` serving and
 * `client` connecting. Every connection's `tls` is `Some`. With a host name
 * (not an IP), `connect` checks the server's certificate against that name
 * (`client.servername` defaults to it), though it dials the address the
 * server bound.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeTls = (options: TlsOptions): Effect.Effect<Transport["Type"]> => {
  // `connect` dials the address the server bound (the port it got for 0, the address a name resolved to):
  // the name given is what the certificate is checked against and what SNI sends
  const host = options.host
  const name = host === undefined ? undefined : serverName(host)
  const client = name !== undefined && options.client.servername === undefined
    ? { ...options.client, servername: name }
    : options.client
  return makeNode(AddressM.tcp(options.port, host), { ...options, tls: client }, { ...options, tls: options.server })
}

/**
 * A Unix-domain socket transport on `path`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnix = (options: UnixOptions): Effect.Effect<Transport["Type"]> =>
  makeNode(AddressM.unix(options.path), options, options)

const makeNode = (address: Address, connectOptions: ConnectOptions, serveOptions: ServeOptions) =>
  Effect.sync((): Transport["Type"] => {
    // One entry per running serve, oldest first (with port 0 each has its own port): connect
    // dials the newest still running, so closing one serve does not strand the others.
    const running: Array<{ readonly address: Address }> = []
    return {
      connect: Effect.suspend(() => nodeClient.connect(running[running.length - 1]?.address ?? address, connectOptions)),
      serve: (handler) =>
        engine.serve(nodeServer.listen(address, serveOptions), handler, serveOptions).pipe(
          Effect.tap((server) =>
            Effect.acquireRelease(
              Effect.sync(() => {
                const entry = { address: server.address }
                running.push(entry)
                return entry
              }),
              (entry) =>
                Effect.sync(() => {
                  const index = running.indexOf(entry)
                  if (index >= 0) running.splice(index, 1)
                })
            )
          )
        )
    }
  })

/**
 * An in-process transport: `connect` makes a pair of connected endpoints and
 * hands one to the running `serve` (`ConnectError` `ECONNREFUSED` when none
 * runs; a second concurrent `serve` is `ListenError` `EADDRINUSE`). Each
 * direction buffers at most ~64 KiB before writes wait, like a socket.
 * Optionally re-chunks traffic to test protocol code against fragmentation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<Transport["Type"]> =>
  Effect.sync((): Transport["Type"] => {
    const network = memory.makeNetwork({ rechunk: options.rechunk })
    const clientOptions = endpointOptions(options)
    // As over node:net: only the serving side honours allowHalfOpen; clients are always half-open capable.
    const serverOptions = { ...clientOptions, allowHalfOpen: options.allowHalfOpen ?? true }
    return {
      connect: acquire(network.connect(clientOptions)),
      serve: (handler) => engine.serve(network.listen(serverOptions), handler, options)
    }
  })

/**
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Transport } from "effect-net"
 *
 * const program = Effect.gen(function*() {
 *   const transport = yield* Transport.Transport
 *   yield* transport.serve((connection) => connection.end)
 *   const connection = yield* transport.connect
 *   return connection.remoteAddress
 * }).pipe(Effect.scoped)
 *
 * // the same program over TCP on a free port, or in memory
 * const overTcp = Effect.provide(program, Transport.layerTcp({ port: 0 }))
 * const inMemory = Effect.provide(program, Transport.layerMemory())
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTcp = (options: TcpOptions): Layer.Layer<Transport> => Layer.effect(Transport, makeTcp(options))

/**
 * @since 0.2.0
 * @category layers
 */
export const layerTls = (options: TlsOptions): Layer.Layer<Transport> => Layer.effect(Transport, makeTls(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerUnix = (options: UnixOptions): Layer.Layer<Transport> => Layer.effect(Transport, makeUnix(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<Transport> =>
  Layer.effect(Transport, makeMemory(options))
