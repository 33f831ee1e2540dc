/**
 * Issue 10, item 1: a graceful close keeps every byte `write` accepted. The
 * peers are raw `node:net` sockets that stay paused (alive but busy) until the
 * test lets them read, so the bytes pile up in Node's buffer behind a full
 * kernel buffer, the case the old close destroyed `closeTimeout` after FIN.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"
import { watchStall } from "../../src/internal/socket/nodeSending.js"
import { tempDir } from "../peers/support.js"
import { captureWarnings, fillUntilHeld, KiB, pausedClient, pausedServer } from "./pausedPeers.js"
import { transports as nodeTransports } from "./transports.js"

const transports = [
  { name: "TCP", address: Effect.succeed(Address.tcp(0)) },
  { name: "Unix", address: Effect.map(tempDir, (dir) => Address.unix(Path.join(dir, "s.sock"))) }
] as const

describe("graceful close", () => {
  for (const { address: makeAddress, name } of transports) {
    it.scopedLive(`${name} server: a handler's accepted bytes all reach a peer that reads 1.5 s after it returned`, () =>
      Effect.gen(function*() {
        const written = yield* Deferred.make<number>()
        const server = yield* Server.serve(
          yield* makeAddress,
          (conn) => Effect.flatMap(fillUntilHeld(conn), (n) => Deferred.succeed(written, n))
        )
        const peer = yield* pausedClient(server.address)
        const total = yield* Deferred.await(written)
        yield* Effect.sleep("1500 millis")
        yield* peer.read
        expect(yield* peer.received).toBe(total)
      }))

    it.scopedLive(`${name} client: the bytes accepted before the scope closed all reach a peer that reads 1.5 s later`, () =>
      Effect.gen(function*() {
        const listening = yield* pausedServer(yield* makeAddress)
        let total = 0
        const reader = yield* Effect.fork(Effect.gen(function*() {
          const peer = yield* listening.peer
          // Starts once the writer is done (total set), like a peer busy for 1.5 s.
          while (total === 0) yield* Effect.sleep("10 millis")
          yield* Effect.sleep("1500 millis")
          yield* peer.read
          return yield* peer.received
        }))
        yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* Client.connect(listening.address)
          total = yield* fillUntilHeld(conn)
        }))
        expect(yield* Fiber.join(reader)).toBe(total)
      }))
  }

  for (const t of nodeTransports) {
    it.scopedLive(`over ${t.name}, both sides: accepted bytes all reach an effect-net peer that pulls 1.5 s later`, () =>
      Effect.gen(function*() {
        const written = yield* Deferred.make<number>()
        const received = yield* Deferred.make<number>()
        // An effect-net connection that does not pull is a paused peer: its socket reads nothing.
        const readLater = (conn: Connection) =>
          Effect.zipRight(Effect.sleep("1500 millis"), Stream.runFold(conn.read, 0, (n, bytes) => n + bytes.byteLength))
        const toClient = yield* t.make()
        yield* toClient.serve((conn) => Effect.flatMap(fillUntilHeld(conn), (n) => Deferred.succeed(written, n)))
        const got = yield* Effect.scoped(Effect.flatMap(toClient.connect, readLater))
        expect(got).toBe(yield* Deferred.await(written))

        const toServer = yield* t.make()
        yield* toServer.serve((conn) => Effect.flatMap(readLater(conn), (n) => Deferred.succeed(received, n)))
        const sent = yield* Effect.scoped(Effect.flatMap(toServer.connect, fillUntilHeld))
        expect(yield* Deferred.await(received)).toBe(sent)
      }))
  }

  it.live("a server shutdown cuts a flush short after shutdownGracePeriod and logs the drop", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const returned = yield* Deferred.make<void>()
      const serverScope = yield* Scope.make()
      const server = yield* Server.serve(
        Address.tcp(0),
        (conn) => Effect.zipRight(fillUntilHeld(conn), Deferred.succeed(returned, undefined)),
        { shutdownGracePeriod: "200 millis" }
      ).pipe(Scope.extend(serverScope))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* pausedClient(server.address)
        yield* Deferred.await(returned)
        const start = performance.now()
        yield* Scope.close(serverScope, Exit.void)
        expect(performance.now() - start).toBeLessThan(1500)
      }))
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/^connection closed with \d+ written bytes never sent: the graceful close was interrupted$/)
      ])
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("a peer that never reads: the scope closes after flushTimeout of no progress, the drop logged at Warning", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const listening = yield* pausedServer(Address.tcp(0))
      let closeStart = 0
      let total = 0
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(listening.address, { flushTimeout: "300 millis" })
        total = yield* fillUntilHeld(conn)
        closeStart = performance.now()
      }))
      const closeMs = performance.now() - closeStart
      expect(closeMs).toBeGreaterThanOrEqual(290)
      // The bound fires within 1.25 times flushTimeout; the rest absorbs scheduling delay on a loaded machine.
      expect(closeMs).toBeLessThan(1500)
      expect(warnings).toHaveLength(1)
      const [warning] = warnings
      const unsent = warning!.annotations["unsentBytes"] as number
      // The 4 KiB written after Node started holding bytes, at least; never more than was written.
      expect(unsent).toBeGreaterThanOrEqual(4 * KiB)
      expect(unsent).toBeLessThan(total)
      expect(warning!.message).toBe(
        `connection closed with ${unsent} written bytes never sent: no byte left the send buffer for flushTimeout (300 ms)`
      )
      expect(warning!.annotations["remoteAddress"]).toBe(Address.format(listening.address))
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("server side: a handler's drop after flushTimeout is logged with the peer's address", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const returned = yield* Deferred.make<number>()
      const server = yield* Server.serve(
        Address.tcp(0),
        (conn) => Effect.flatMap(fillUntilHeld(conn), () => Deferred.succeed(returned, performance.now())),
        { flushTimeout: "300 millis" }
      )
      const peer = yield* pausedClient(server.address)
      const start = yield* Deferred.await(returned)
      while (warnings.length === 0 && performance.now() - start < 3000) yield* Effect.sleep("20 millis")
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.at - start).toBeGreaterThanOrEqual(290)
      expect(warnings[0]!.message).toContain("flushTimeout (300 ms)")
      expect(warnings[0]!.annotations["unsentBytes"]).toBeGreaterThanOrEqual(4 * KiB)
      expect(warnings[0]!.annotations["remoteAddress"]).toBe(
        `${peer.socket.localAddress}:${peer.socket.localPort}`
      )
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("Unix: a reader that keeps reading faster than a kernel batch (~190 KiB) per flushTimeout gets every byte", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const written = yield* Deferred.make<number>()
      const dir = yield* tempDir
      const server = yield* Server.serve(
        Address.unix(Path.join(dir, "s.sock")),
        (conn) =>
          Effect.gen(function*() {
            const held = yield* fillUntilHeld(conn)
            // Several batches more, held by Node (accepted at once; not waiting for 'drain'): the reader
            // waits for the kernel to wake the writer again and again.
            yield* Effect.timeoutOption(conn.write(new Uint8Array(768 * KiB).fill(0x62)), "20 millis")
            yield* Deferred.succeed(written, held + 768 * KiB)
          }),
        { flushTimeout: "2 seconds" }
      )
      const peer = yield* pausedClient(server.address)
      const total = yield* Deferred.await(written)
      // 256 KiB/s in sips every 50 ms: a batch takes ~0.75 s to read, well inside the 2 s bound.
      let received = 0
      const sipper = setInterval(() => {
        let budget = 256 * KiB / 20
        let chunk: Buffer | null
        while (budget > 0 && (chunk = peer.socket.read(Math.min(budget, peer.socket.readableLength || budget))) !== null) {
          received += chunk.byteLength
          budget -= chunk.byteLength
        }
        // Nothing buffered yet: ask the socket to read from the kernel.
        if (budget === 256 * KiB / 20) peer.socket.read(0)
      }, 50)
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sipper)))
      const start = performance.now()
      while (received < total && warnings.length === 0 && performance.now() - start < 15_000) {
        yield* Effect.sleep("50 millis")
      }
      expect(warnings).toEqual([])
      expect(received).toBe(total)
    }).pipe(Effect.provide(layer))
  })

  it.live("flushTimeout measures no progress, not total time: a queue that keeps shrinking is never a stall", () =>
    Effect.gen(function*() {
      // What the watchdog reads off a socket: Node's buffer and libuv's queue of bytes the kernel has not taken.
      const socket = { writableLength: 20 * KiB, _handle: { writeQueueSize: 16 * KiB } }
      let stalledAt: number | undefined
      const start = performance.now()
      const stop = watchStall(socket as unknown as Net.Socket, 150, () => {
        stalledAt = performance.now() - start
      })
      // One large write read slowly: writableLength stays put, the queue shrinks every 50 ms, for 600 ms.
      for (let i = 0; i < 12; i++) {
        yield* Effect.sleep("50 millis")
        socket._handle.writeQueueSize -= KiB
      }
      expect(stalledAt).toBeUndefined()
      // Then the peer stops reading.
      const stoppedAt = performance.now() - start
      while (stalledAt === undefined && performance.now() - start < stoppedAt + 2000) yield* Effect.sleep("10 millis")
      stop()
      expect(stalledAt! - stoppedAt).toBeGreaterThanOrEqual(140)
      expect(stalledAt! - stoppedAt).toBeLessThan(1000)
    }))
})

describe("flush and end", () => {
  it.scopedLive("flush resolves at once with nothing held, over TCP and memory", () =>
    Effect.gen(function*() {
      const drain = (conn: Connection) => Stream.runDrain(conn.read)
      const server = yield* Server.serve(Address.tcp(0), drain)
      const conn = yield* Client.connect(server.address)
      yield* conn.flush
      yield* conn.write("x")
      yield* conn.flush
      const memory = yield* Transport.makeMemory()
      yield* memory.serve(drain)
      const other = yield* memory.connect
      yield* other.write("y")
      yield* other.flush
    }))

  const waits = [
    { name: "flush", wait: (conn: Connection) => conn.flush },
    { name: "end", wait: (conn: Connection) => conn.end }
  ] as const
  for (const { name, wait } of waits) {
    it.scopedLive(`${name} waits while the peer does not read, resolves once it read; every byte arrives before EOF`, () =>
      Effect.gen(function*() {
        const listening = yield* pausedServer(Address.tcp(0))
        const conn = yield* Client.connect(listening.address)
        const total = yield* fillUntilHeld(conn)
        const waiting = yield* Effect.fork(wait(conn))
        yield* Effect.sleep("300 millis")
        expect(Option.isNone(yield* waiting.poll)).toBe(true)
        const peer = yield* listening.peer
        yield* peer.read
        yield* Fiber.join(waiting).pipe(Effect.timeout("5 seconds"))
        // Idempotent after a flush or an end; once it resolved, the FIN goes out at once.
        yield* conn.end
        yield* conn.end
        expect(yield* peer.received).toBe(total)
        // Reading goes on after our FIN, until the peer's (pausedPeer answers EOF with its own).
        yield* Stream.runDrain(conn.read).pipe(Effect.timeout("5 seconds"))
      }))
  }

  it.scopedLive("flush fails with WriteError when the peer resets with bytes held", () =>
    Effect.gen(function*() {
      const listening = yield* pausedServer(Address.tcp(0))
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(listening.address)
        yield* fillUntilHeld(conn)
        const flushing = yield* Effect.fork(Effect.flip(conn.flush))
        const peer = yield* listening.peer
        peer.socket.resetAndDestroy()
        const error = yield* Fiber.join(flushing).pipe(Effect.timeout("5 seconds"))
        expect(error._tag).toBe("WriteError")
        expect(error._tag === "WriteError" && ["ECONNRESET", "EPIPE"].includes(error.code)).toBe(true)
        // The socket is gone: a flush or an end now fails with the error that closed it.
        expect(yield* Effect.flip(conn.end)).toBe(error)
      }))
    }))

  it.scopedLive("flush and end fail with IdleTimeoutError when the idle timeout closes the socket with bytes held", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const listening = yield* pausedServer(Address.tcp(0))
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(listening.address, { idleTimeout: "300 millis" })
        yield* fillUntilHeld(conn)
        const error = yield* Effect.flip(conn.flush).pipe(Effect.timeout("5 seconds"))
        expect(error._tag).toBe("IdleTimeoutError")
        expect(yield* Effect.flip(conn.end)).toBe(error)
      }))
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/^connection closed with \d+ written bytes never sent: idleTimeout \(300 ms\)$/)
      ])
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("a close at once with bytes held logs the drop", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const listening = yield* pausedServer(Address.tcp(0))
      yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(listening.address)
        yield* fillUntilHeld(conn)
        return yield* Effect.fail("boom")
      })))
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(
          /^connection closed with \d+ written bytes never sent: the connection was closed at once \(its scope failed or was interrupted\)$/
        )
      ])
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("memory: a reader busy past closeTimeout still gets every byte the handler wrote", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ closeTimeout: "100 millis" })
      const payload = new Uint8Array(60 * KiB).fill(0x63)
      yield* transport.serve((conn) => conn.write(payload))
      const conn = yield* transport.connect
      yield* Effect.sleep("400 millis")
      const got = yield* Stream.runFold(conn.read, 0, (n, bytes) => n + bytes.byteLength)
      expect(got).toBe(payload.byteLength)
    }))
})
