/**
 * Peers for the graceful-close tests: raw `node:net` sockets that stay paused
 * (alive but busy) until a test lets them read, a writer that fills until
 * Node holds bytes, and a logger that captures Warnings.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Net from "node:net"
import * as Address from "../../src/Address.js"
import type { Connection } from "../../src/Connection.js"

export const KiB = 1024

export interface Warning {
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly at: number
}

/** Every Warning logged while the layer is provided, with its annotations and when it came. */
export const captureWarnings = () => {
  const warnings: Array<Warning> = []
  const logger = Logger.make(({ annotations, logLevel, message }) => {
    if (logLevel.label !== "WARN") return
    warnings.push({
      message: Array.isArray(message) ? message.join(" ") : String(message),
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      at: performance.now()
    })
  })
  return { warnings, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/**
 * Writes 1 KiB pieces until Node holds bytes the kernel would not take (a
 * `flush` does not resolve within 20 ms), then 4 KiB more. Returns the bytes
 * written. Bounded: a peer that takes 64 MiB is a broken test.
 */
export const fillUntilHeld = (conn: Connection) =>
  Effect.gen(function*() {
    const piece = new Uint8Array(KiB).fill(0x61)
    let written = 0
    while (true) {
      if (written >= 64 * 1024 * KiB) return yield* Effect.dieMessage("Node never started buffering")
      yield* conn.write(piece)
      written += KiB
      if (Option.isNone(yield* Effect.timeoutOption(conn.flush, "20 millis"))) break
    }
    for (let i = 0; i < 4; i++) yield* conn.write(piece)
    return written + 4 * KiB
  })

/** A raw socket that reads nothing until `read` is called, then collects until the peer's FIN (and answers it). */
export interface PausedPeer {
  readonly socket: Net.Socket
  readonly read: Effect.Effect<void>
  /** The bytes received once the FIN (or a close) came. */
  readonly received: Effect.Effect<number>
}

export const pausedPeer = (socket: Net.Socket): PausedPeer => {
  socket.pause()
  let received = 0
  let done = false
  const waiters: Array<() => void> = []
  const finish = () => {
    done = true
    for (const w of waiters.splice(0)) w()
  }
  socket.on("end", () => {
    socket.end()
    finish()
  })
  socket.on("close", finish)
  socket.on("error", () => {})
  return {
    socket,
    read: Effect.sync(() => {
      socket.on("data", (data: Buffer) => (received += data.byteLength))
      socket.resume()
    }),
    received: Effect.async<number>((resume) => {
      if (done) return resume(Effect.succeed(received))
      waiters.push(() => resume(Effect.succeed(received)))
    })
  }
}

export const netOptions = (address: Address.Address) =>
  address._tag === "UnixAddress" ? { path: address.path } : { host: address.hostname, port: address.port }

/** A raw client connected to `address`, paused. */
export const pausedClient = (address: Address.Address) =>
  Effect.acquireRelease(
    Effect.async<PausedPeer, Error>((resume) => {
      const socket = Net.createConnection({ ...netOptions(address), allowHalfOpen: true })
      socket.once("error", (error) => resume(Effect.fail(error)))
      socket.once("connect", () => resume(Effect.succeed(pausedPeer(socket))))
    }),
    (peer) => Effect.sync(() => peer.socket.destroy())
  )

/** A raw server whose one accepted socket stays paused; `peer` resolves once a client connected. */
export const pausedServer = (address: Address.Address) =>
  Effect.gen(function*() {
    const accepted = yield* Deferred.make<PausedPeer>()
    const server = Net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      Deferred.unsafeDone(accepted, Effect.succeed(pausedPeer(socket)))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(netOptions(address), () => resume(Effect.void))
      }),
      () =>
        Effect.gen(function*() {
          const peer = yield* Deferred.poll(accepted)
          if (Option.isSome(peer)) (yield* peer.value).socket.destroy()
          server.close()
        })
    )
    const bound = server.address()
    return {
      address: bound === null || typeof bound === "string" ? address : Address.tcp(bound.port),
      peer: Deferred.await(accepted)
    }
  })
