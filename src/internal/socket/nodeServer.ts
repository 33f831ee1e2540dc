/**
 * Binding a `node:net` server: TCP, or a Unix path with stale-file recovery.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import * as Runtime from "effect/Runtime"
import type { Address, UnixAddress } from "../../Address.js"
import * as AddressM from "../../Address.js"
import { badAddress } from "./badAddress.js"
import type { Accept } from "./endpoint.js"
import { endpointOptions } from "./endpoint.js"
import { errorCode, makeEndpoint, tcpAddresses } from "./nodeSocket.js"
import type { ServeOptions } from "../../Server.js"
import { ListenError } from "../../Server.js"
import type { Listener } from "./server.js"
import { defaultHandshakeTimeout, millis } from "./timeouts.js"
import * as tls from "./tls.js"

/**
 * Longest `sun_path` the OS accepts, in bytes, without the terminating NUL.
 *
 * @internal
 */
export const maxUnixPathBytes = process.platform === "linux" ? 107 : 103

/**
 * `before` runs in the same synchronous step as `listen`, so no other fiber of
 * this process can act between them; returning an error skips the listen.
 */
const bind = (server: Net.Server, options: Net.ListenOptions, before?: () => Error | undefined) =>
  Effect.async<void, Error>((resume) => {
    const refused = before?.()
    if (refused !== undefined) return resume(Effect.fail(refused))
    const onError = (error: Error) => {
      server.off("listening", onListening)
      resume(Effect.fail(error))
    }
    const onListening = () => {
      server.off("error", onError)
      resume(Effect.succeed(undefined))
    }
    server.once("error", onError)
    server.once("listening", onListening)
    server.listen(options)
  })

type Probe = "live" | "stale" | "gone"

// A path in use may be a leftover from a process that died: only a refused connect proves nobody listens.
const probe = (path: string) =>
  Effect.async<Probe>((resume) => {
    const socket = Net.connect({ path })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("live"))
    })
    socket.once("error", (error) => {
      socket.destroy()
      const code = errorCode(error)
      resume(Effect.succeed(code === "ECONNREFUSED" ? "stale" : code === "ENOENT" ? "gone" : "live"))
    })
    return Effect.sync(() => socket.destroy())
  }).pipe(Effect.interruptible, Effect.timeoutTo({ duration: "1 second", onSuccess: (p): Probe => p, onTimeout: (): Probe => "live" }))

/** Identity of the socket file at `path`, or undefined when there is none (or it is not a socket). */
const socketFile = (path: string): string | undefined => {
  try {
    // the inode number alone is not enough: a removed file's number is reused at once
    const stat = Fs.lstatSync(path, { bigint: true })
    return stat.isSocket() ? `${stat.dev}:${stat.ino}:${stat.ctimeNs}` : undefined
  } catch {
    return undefined
  }
}

/**
 * Removes the socket file only if it is still the one identified by `id`: a
 * path can be taken over between a look and a removal, and removing another
 * server's live socket file would orphan that server.
 */
const unlinkIfSame = (path: string, id: string | undefined): boolean => {
  if (id === undefined || socketFile(path) !== id) return false
  try {
    Fs.unlinkSync(path)
  } catch {
    // Already gone: nothing left to clean.
  }
  return true
}

const listenError = (address: Address) => (cause: Error) => new ListenError({ address, code: errorCode(cause), cause })

const bindUnix = (server: Net.Server, address: UnixAddress, backlog: number | undefined) => {
  const options: Net.ListenOptions = backlog === undefined ? { path: address.path } : { path: address.path, backlog }
  return bind(server, options).pipe(
    Effect.catchIf((error) => errorCode(error) === "EADDRINUSE", (error) => {
      // a file that is not a socket is never ours to remove
      const seen = socketFile(address.path)
      if (seen === undefined && Fs.existsSync(address.path)) return Effect.fail(error)
      return Effect.flatMap(probe(address.path), (state) => {
        if (state === "live") return Effect.fail(error)
        if (state === "gone") return bind(server, options)
        // Stale: replace it, unless it changed since we looked (a racing server
        // replaced it first and is the live one now).
        return bind(server, options, () => unlinkIfSame(address.path, seen) ? undefined : error)
      })
    }),
    Effect.mapError(listenError(address))
  )
}

/**
 * Binds and starts delivering accepted sockets, paused, as endpoints.
 *
 * @internal
 */
export const listen = (address: Address, options: ServeOptions) =>
(accept: Accept): Effect.Effect<Listener, ListenError, Scope.Scope> =>
  Effect.gen(function*() {
    const bad = badAddress(address)
    if (bad !== undefined) return yield* new ListenError({ address, ...bad })
    if (address._tag === "UnixAddress" && Buffer.byteLength(address.path) > maxUnixPathBytes) {
      return yield* new ListenError({
        address,
        code: "ENAMETOOLONG",
        reason: `Unix socket path is ${
          Buffer.byteLength(address.path)
        } bytes; this OS allows at most ${maxUnixPathBytes}`
      })
    }
    const endpoint = endpointOptions(options)
    const allowHalfOpen = options.allowHalfOpen ?? true
    const addressesOf = (socket: Net.Socket) =>
      address._tag === "UnixAddress" ? { local: address, remote: AddressM.unix("") } : tcpAddresses(socket)
    const onSocket = (socket: Net.Socket) => {
      const addresses = addressesOf(socket)
      if (address._tag === "TcpAddress" && options.noDelay === true) socket.setNoDelay(true)
      if (options.keepAlive === true) socket.setKeepAlive(true)
      accept((onReadWait) => {
        const opened = makeEndpoint(socket, addresses, endpoint, onReadWait)
        return socket instanceof Tls.TLSSocket ? tls.withInfo(opened, socket) : opened
      })
    }
    let dropHandshakes = () => {}
    let server: Net.Server
    if (options.tls === undefined) {
      server = Net.createServer({ allowHalfOpen, pauseOnConnect: true }, onSocket)
    } else {
      const log = Runtime.runFork(yield* Effect.runtime<never>())
      const listener = tls.listen(options.tls, {
        allowHalfOpen,
        handshakeTimeoutMillis: millis(options.handshakeTimeout ?? defaultHandshakeTimeout),
        remoteAddress: (socket) => addressesOf(socket).remote
      }, onSocket, (failure) => {
        const remoteAddress = AddressM.format(failure.remoteAddress)
        const { code, reason } = failure
        // Routine for a public server (scanners, plain-text clients, untrusted peers): Debug, not Warning.
        log(Effect.logDebug(`TLS handshake with ${remoteAddress} failed: ${code} (${reason}); connection dropped`).pipe(
          Effect.annotateLogs({ remoteAddress })
        ))
      })
      if (tls.isBadOptions(listener)) {
        const { cause, code, reason } = listener
        return yield* new ListenError({ address, code, reason, cause })
      }
      server = listener.server
      dropHandshakes = listener.dropHandshakes
    }

    let closed = false
    let fullyClosed = false
    const closedCallbacks = new Set<() => void>()
    const stop = () => {
      if (closed) return
      closed = true
      // They would never reach a handler; the server's close would wait for them.
      dropHandshakes()
      server.close(() => {
        fullyClosed = true
        for (const f of closedCallbacks) f()
        closedCallbacks.clear()
      })
    }

    // the socket file we created, so that closing removes that file and no other
    let ownFile: string | undefined
    yield* Effect.acquireRelease(
      address._tag === "UnixAddress"
        ? Effect.tap(bindUnix(server, address, options.backlog), () => {
          ownFile = socketFile(address.path)
        })
        : bind(server, {
          host: address.hostname,
          port: address.port,
          ...(options.backlog === undefined ? {} : { backlog: options.backlog })
        }).pipe(Effect.mapError(listenError(address))),
      () =>
        Effect.sync(() => {
          stop()
          // libuv unlinks the path on close already, whatever file is there then (it cannot be told not to);
          // this covers the platforms where it does not
          if (address._tag === "UnixAddress") unlinkIfSame(address.path, ownFile)
        })
    )
    // After binding, errors are per connection and reach each socket's own listener.
    server.on("error", () => {})

    const bound = server.address()
    return {
      address: bound === null || typeof bound === "string" ? address : AddressM.tcp(bound.port, bound.address),
      stop,
      closed: Effect.async<void>((resume) => {
        if (fullyClosed) return resume(Effect.void)
        const done = () => resume(Effect.void)
        closedCallbacks.add(done)
        return Effect.sync(() => {
          closedCallbacks.delete(done)
        })
      })
    }
  })
