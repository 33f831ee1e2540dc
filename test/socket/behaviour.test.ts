/**
 * Connection and server behaviour every node transport must share — read
 * backpressure, drain, half-close, idle timeout, graceful close, the
 * connection limit and shutdown — run over TCP, Unix and TLS alike.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Connection } from "../../src/Connection.js"
import type { Server } from "../../src/Server.js"
import { answerAfterTenBytes, mib, readAll, timed, writeUntilReset } from "../peers/support.js"
import { type TransportOptions, transports } from "./transports.js"

const echoHandler = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

describe.each(transports)("over $name", (t) => {
  /** Serves `handler` on a fresh transport; `connect` dials it. */
  const serve = <E>(handler: (conn: Connection) => Effect.Effect<void, E>, options?: TransportOptions) =>
    Effect.gen(function*() {
      const transport = yield* t.make(options)
      const server = yield* transport.serve(handler)
      return { server, connect: transport.connect }
    })

  /** As `serve`, in its own scope so the test decides when it shuts down, apart from its peers. */
  const startServer = <E>(handler: (conn: Connection) => Effect.Effect<void, E>, options?: TransportOptions) =>
    Effect.gen(function*() {
      const transport = yield* t.make(options)
      const scope = yield* Scope.make()
      const server: Server = yield* Scope.extend(transport.serve(handler), scope)
      return { server, shutdown: timed(Scope.close(scope, Exit.void)).pipe(Effect.map(([, ms]) => ms)) }
    })

  const roundTrip = (connect: Effect.Effect<Connection, unknown, Scope.Scope>, text: string) =>
    Effect.scoped(Effect.gen(function*() {
      const conn = yield* connect
      yield* conn.write(text)
      yield* conn.end
      return (yield* readAll(conn)).toString()
    }))

  it.scopedLive("read is pull-based: a handler that does not read stops the writer (platform: unbounded mailbox)", () =>
    Effect.gen(function*() {
      // Nobody reads: the bytes still held when the scope closes are dropped (and logged) after flushTimeout.
      const { connect } = yield* serve(() => Effect.never, {
        shutdownGracePeriod: "50 millis",
        closeTimeout: "50 millis",
        flushTimeout: "50 millis"
      })
      const conn = yield* connect
      let written = 0
      const writeAll = Effect.forEach(Array.from({ length: 512 }), () =>
        Effect.tap(conn.write(new Uint8Array(64 * 1024)), () => {
          written += 64 * 1024
        }), { discard: true })
      const writer = yield* Effect.fork(writeAll)
      yield* Effect.sleep("400 millis")
      const stalledAt = written
      // blocked, not merely slow: nothing more is accepted while nobody reads
      yield* Effect.sleep("300 millis")
      console.log(`[pull] ${t.name}: writer blocked after ${(stalledAt / mib).toFixed(1)} MiB of 32 MiB with nobody reading`)
      expect(written).toBe(stalledAt)
      expect(Option.isNone(yield* writer.poll)).toBe(true)
      expect(stalledAt).toBeLessThan(16 * mib)
      yield* Fiber.interrupt(writer)
    }))

  it.scopedLive("read-ahead stops at the high-water mark: a handler that read one chunk then stalls stops the writer", () =>
    Effect.gen(function*() {
      const firstRead = yield* Deferred.make<void>()
      const { server } = yield* serve((conn) =>
        Effect.zipRight(
          conn.read.pipe(Stream.take(1), Stream.runDrain),
          Effect.zipRight(Deferred.succeed(firstRead, undefined), Effect.never)
        ), { shutdownGracePeriod: "50 millis" })
      // The one pull resumed the socket; only the mark pauses it again. Without it, node reads all 64 MiB.
      const peer = yield* t.rawConnect(server.address)
      peer.socket.write("x")
      yield* Deferred.await(firstRead)
      const block = Buffer.alloc(mib)
      const drained = Effect.async<boolean>((resume) => {
        const onDrain = () => resume(Effect.succeed(true))
        peer.socket.once("drain", onDrain)
        const timer = setTimeout(() => resume(Effect.succeed(false)), 300)
        return Effect.sync(() => {
          clearTimeout(timer)
          peer.socket.off("drain", onDrain)
        })
      })
      let written = 0
      while (written < 64 * mib) {
        const accepted = peer.socket.write(block)
        written += mib
        if (!accepted && !(yield* drained)) break
      }
      const through = written - peer.socket.writableLength
      console.log(`[pull] ${t.name}: one chunk read, then nothing: ${(through / mib).toFixed(1)} MiB of 64 MiB got through`)
      expect(through).toBeLessThan(16 * mib)
    }))

  it.scopedLive("a blocked write resumes once the reader drains, and every byte arrives", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const total = yield* Deferred.make<number>()
      const { connect } = yield* serve((conn) =>
        Effect.gen(function*() {
          yield* Deferred.await(release)
          yield* Deferred.succeed(total, yield* Stream.runFold(conn.read, 0, (n, bytes) => n + bytes.byteLength))
        })
      )
      const conn = yield* connect
      const writer = yield* Effect.fork(Effect.forEach(Array.from({ length: 256 }), () =>
        conn.write(new Uint8Array(64 * 1024)), { discard: true }))
      yield* Effect.sleep("100 millis")
      expect(writer.unsafePoll()).toBeNull()
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(writer).pipe(Effect.timeout("10 seconds"))
      yield* conn.end
      expect(yield* Deferred.await(total)).toBe(16 * mib)
    }))

  it.scopedLive("success closes gracefully: pending writes are flushed, then FIN", () =>
    Effect.gen(function*() {
      const payload = new Uint8Array(4 * mib).fill(7)
      const { server } = yield* serve((conn) => conn.write(payload))
      const peer = yield* t.rawConnect(server.address)
      const { data, error } = yield* peer.ended
      expect(error).toBeUndefined()
      expect(data.byteLength).toBe(payload.byteLength)
    }))

  it.scopedLive("allowHalfOpen (default): the handler still writes after the peer's FIN (platform: destroyed)", () =>
    Effect.gen(function*() {
      const { connect } = yield* serve((conn) =>
        Effect.gen(function*() {
          const request = yield* readAll(conn)
          yield* Effect.sleep("30 millis")
          yield* conn.write(`got ${request.toString()} after your FIN`)
        })
      )
      expect(yield* roundTrip(connect, "ping")).toBe("got ping after your FIN")
    }))

  it.scopedLive("maxConnections: extra connections are closed at once and logged (platform: no limit)", () => {
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel.label === "WARN") warnings.push(Array.isArray(message) ? message.join(" ") : String(message))
    })
    return Effect.gen(function*() {
      const { connect, server } = yield* serve(echoHandler, { maxConnections: 2 })
      const a = yield* connect
      const b = yield* connect
      yield* a.write("a")
      yield* b.write("b")
      yield* Effect.forEach([a, b], (conn) => conn.read.pipe(Stream.take(1), Stream.runDrain))
      expect(yield* server.connections).toBe(2)
      // Over TLS the limit applies once the handshake is done: the extra peer completes it, then is closed.
      const extra = yield* t.rawConnect(server.address)
      const [{ data }, ms] = yield* timed(extra.ended)
      expect(data.byteLength).toBe(0)
      // Closed on accept; a refused-but-kept connection would hang until the test times out.
      expect(ms).toBeLessThan(2000)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("maxConnections (2)")
      yield* a.end
      yield* readAll(a)
      yield* Effect.sleep("20 millis")
      expect(yield* roundTrip(connect, "room again")).toBe("room again")
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
  })

  it.scopedLive("idleTimeout: the handler's read fails with IdleTimeoutError and the socket is closed (platform: no idle timeout)", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<string>()
      const { server } = yield* serve((conn) =>
        Stream.runDrain(conn.read).pipe(
          Effect.tapError((error) => Deferred.succeed(seen, error._tag))
        ), { idleTimeout: "400 millis" })
      const peer = yield* t.rawConnect(server.address)
      // Activity keeps it open past the timeout (gaps of 50 ms leave 350 ms for scheduling delay)...
      let lastWrite = 0
      for (let i = 0; i < 10; i++) {
        peer.socket.write("x")
        lastWrite = performance.now()
        yield* Effect.sleep("50 millis")
      }
      expect(yield* Deferred.isDone(seen)).toBe(false)
      // ...silence closes it, counted from the last byte (the server's timer restarts when it arrives).
      const { data } = yield* peer.ended
      const ms = performance.now() - lastWrite
      expect(yield* Deferred.await(seen)).toBe("IdleTimeoutError")
      expect(data.byteLength).toBe(0)
      // Below 400: libuv's cached loop time can start the timer a little before the byte is handled.
      expect(ms).toBeGreaterThanOrEqual(300)
      expect(ms).toBeLessThan(2000)
    }))

  it.scopedLive("shutdown: busy handlers finish within shutdownGracePeriod, the rest are interrupted (platform: no graceful drain)", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      let count = 0
      const { server, shutdown } = yield* startServer((conn) =>
        Effect.gen(function*() {
          const first = Buffer.concat(Chunk.toReadonlyArray(yield* conn.read.pipe(Stream.take(1), Stream.runCollect)))
          if (++count === 2) yield* Deferred.succeed(started, undefined)
          if (first.toString() === "busy") {
            yield* Effect.sleep("150 millis")
            yield* conn.write("done")
          } else {
            yield* Effect.never
          }
        }), { shutdownGracePeriod: "400 millis" })
      const busy = yield* t.rawConnect(server.address)
      const stuck = yield* t.rawConnect(server.address)
      busy.socket.write("busy")
      stuck.socket.write("stuck")
      yield* Deferred.await(started)
      const ms = yield* shutdown
      console.log(`[shutdown] ${t.name}: one busy (150 ms) and one stuck handler, grace 400 ms: ${ms.toFixed(0)} ms`)
      expect((yield* busy.ended).data.toString()).toBe("done")
      expect((yield* stuck.ended).data.toString()).toBe("")
      expect(ms).toBeGreaterThanOrEqual(350)
      // Well under the 5 s a grace period not applied would leave (the stuck handler is never done).
      expect(ms).toBeLessThan(2500)
    }))

  it.scopedLive("shutdown: a handler in the middle of a request (read part of it, not answered) gets the grace period", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      // Reads a 10-byte request, then answers; the request arrives in two halves, shutdown in between.
      const { server, shutdown } = yield* startServer(
        (conn) => Effect.asVoid(answerAfterTenBytes(started)(conn)),
        { shutdownGracePeriod: "5 seconds", closeTimeout: "50 millis" }
      )
      const peer = yield* t.rawConnect(server.address)
      peer.socket.write("12345")
      yield* Deferred.await(started)
      const closing = yield* Effect.fork(shutdown)
      yield* Effect.sleep("100 millis")
      peer.socket.write("67890")
      const { data } = yield* peer.ended.pipe(Effect.timeout("3 seconds"))
      expect(data.toString()).toBe("ok")
      // It was let finish, not made to wait out the 5 s either.
      expect(yield* Fiber.join(closing)).toBeLessThan(2500)
    }))

  it.scopedLive("every accepted socket is destroyed by shutdown or before, handled or not", () => {
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel.label === "WARN") warnings.push(Array.isArray(message) ? message.join(" ") : String(message))
    })
    return Effect.gen(function*() {
      // 20 are handled by handlers that never finish; 10 more are accepted over maxConnections and never handled.
      const allHandled = yield* Deferred.make<void>()
      let handled = 0
      const { server, shutdown } = yield* startServer(() =>
        Effect.zipRight(
          Effect.suspend(() => ++handled === 20 ? Deferred.succeed(allHandled, undefined) : Effect.void),
          Effect.never
        ), { shutdownGracePeriod: "50 millis", maxConnections: 20 })
      const peers = yield* Effect.forEach(Array.from({ length: 30 }), () => t.rawConnect(server.address), {
        concurrency: "unbounded"
      })
      yield* Deferred.await(allHandled)
      // Accepted, not merely connected: one still in the kernel's backlog is reset when the listener closes.
      for (let i = 0; i < 200 && warnings.length < 10; i++) yield* Effect.sleep("10 millis")
      yield* shutdown
      // Destroyed, not merely sent a FIN: each peer's writes meet RST.
      const errors = yield* Effect.forEach(peers, (peer) =>
        Effect.zipRight(peer.ended, writeUntilReset(peer)), { concurrency: "unbounded" }).pipe(
          Effect.timeout("3 seconds")
        )
      expect(handled).toBe(20)
      expect(warnings).toHaveLength(10)
      expect(errors.filter((code) => code === "ECONNRESET" || code === "EPIPE")).toHaveLength(30)
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
  })

  it.scopedLive("a handler's failure does not stop the server", () =>
    Effect.gen(function*() {
      const { connect } = yield* serve((conn) =>
        Effect.flatMap(
          readAll(conn),
          (bytes): Effect.Effect<void, unknown> => bytes.toString() === "boom" ? Effect.fail("boom") : conn.write(bytes)
        )
      ).pipe(Effect.provide(Logger.remove(Logger.defaultLogger)))
      // Its connection is destroyed without an answer...
      expect(yield* Effect.either(roundTrip(connect, "boom"))).not.toEqual(Either.right("boom"))
      // ...and the next one is served.
      expect(yield* roundTrip(connect, "fine")).toBe("fine")
    }))
})
