import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import { peersDir, readAll, spawn, tempDir, timed } from "../peers/support.js"

const echoHandler = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

/** A port on 127.0.0.1 that was just free: bound, then released. */
const closedPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Socket handles by kind, plus timers (which a leaked close timer would show up as). */
const socketResources = () => {
  const handles: Record<string, number> = {}
  let timers = 0
  for (const name of process.getActiveResourcesInfo()) {
    if (/TCP|Pipe/.test(name)) handles[name] = (handles[name] ?? 0) + 1
    if (name === "Timeout") timers++
  }
  return { handles, timers }
}

describe("Client", () => {
  it.scopedLive("a refused TCP port is ConnectError ECONNREFUSED", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const error = yield* Effect.flip(Client.connect(Address.tcp(port)))
      expect(error._tag).toBe("ConnectError")
      expect(error.code).toBe("ECONNREFUSED")
      expect(error.address).toEqual(Address.tcp(port))
      expect(error.message).toBe(`connect to 127.0.0.1:${port} failed: ECONNREFUSED`)
    }))

  it.scopedLive("a missing Unix path is ConnectError ENOENT", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Effect.flip(Client.connect(Address.unix(Path.join(dir, "nobody.sock"))))
      expect(error.code).toBe("ENOENT")
    }))

  it.scopedLive("connectTimeout: an unanswered connect is ConnectError ETIMEDOUT", () =>
    Effect.gen(function*() {
      const blackhole = yield* spawn("python3", [Path.join(peersDir, "blackhole.py")])
      const port = yield* Effect.async<number>((resume) => {
        blackhole.process.stdout!.once("data", (d: Buffer) => resume(Effect.succeed(Number(d.toString().trim()))))
      }).pipe(Effect.timeout("5 seconds"))
      const [error, ms] = yield* timed(Effect.flip(Client.connect(Address.tcp(port), { connectTimeout: "200 millis" })))
      expect(error.code).toBe("ETIMEDOUT")
      expect(ms).toBeGreaterThanOrEqual(180)
      expect(ms).toBeLessThan(1000)
    }))

  it.scopedLive("idleTimeout: a silent server makes the client's read fail with IdleTimeoutError", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.never, { shutdownGracePeriod: "10 millis" })
      // Timed from before connect: the idle timer starts inside it, so this can only overstate the wait.
      const start = performance.now()
      const conn = yield* Client.connect(server.address, { idleTimeout: "100 millis" })
      const error = yield* Effect.flip(Stream.runDrain(conn.read))
      const ms = performance.now() - start
      expect(error._tag).toBe("IdleTimeoutError")
      expect(error.message).toBe("no bytes read or written for 100 ms")
      expect(ms).toBeGreaterThanOrEqual(90)
      expect(ms).toBeLessThan(2000)
      expect((yield* Effect.flip(conn.write("x")))._tag).toBe("IdleTimeoutError")
    }))

  it.scopedLive("idleTimeout: Duration.infinity (or 30 days, past Node's timer range) sets no timer", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.never, { shutdownGracePeriod: "10 millis" })
      for (const idleTimeout of [Duration.infinity, Duration.days(30)]) {
        // Was: setTimeout(Infinity) threw in the 'connect' listener and connect never returned.
        const conn = yield* Client.connect(server.address, { idleTimeout, closeTimeout: "10 millis" }).pipe(
          Effect.timeout("2 seconds")
        )
        const read = yield* Effect.timeoutOption(Effect.either(Stream.runDrain(conn.read)), "300 millis")
        expect(Option.isNone(read)).toBe(true)
        yield* conn.write("still open")
      }
    }))

  it.scopedLive("connectTimeout: Duration.infinity sets no timer (was: ETIMEDOUT after 1 ms)", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.never, { shutdownGracePeriod: "10 millis" })
      const codes = yield* Effect.forEach(Array.from({ length: 20 }), () =>
        Effect.scoped(Client.connect(server.address, { connectTimeout: Duration.infinity, closeTimeout: "10 millis" })).pipe(
          Effect.match({ onFailure: (error) => error.code, onSuccess: () => "ok" })
        ))
      expect(codes).toEqual(Array.from({ length: 20 }, () => "ok"))
    }))

  it.scopedLive("closeTimeout: Duration.infinity waits for the peer (was: destroyed after 1 ms)", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) => Effect.zipRight(Effect.sleep("200 millis"), conn.end), {
        shutdownGracePeriod: "10 millis"
      })
      const [, ms] = yield* timed(Effect.scoped(Client.connect(server.address, { closeTimeout: Duration.infinity })))
      // The server's FIN 200 ms after accepting is what ends the close.
      expect(ms).toBeGreaterThanOrEqual(150)
      expect(ms).toBeLessThan(2000)
    }))

  it.scopedLive("noDelay and keepAlive are applied without changing the bytes", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler, { noDelay: true, keepAlive: true })
      const got = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address, { noDelay: true, keepAlive: true })
        yield* conn.write("tiny")
        yield* conn.end
        return yield* readAll(conn)
      }))
      expect(got.toString()).toBe("tiny")
    }))

  it.scopedLive("2,000 connect/close cycles leave the active handles where they started", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) => Stream.runDrain(conn.read))
      yield* Effect.sleep("20 millis")
      const before = socketResources()
      const [, ms] = yield* timed(
        Effect.forEach(Array.from({ length: 2000 }, (_, i) => i), (i) =>
          Effect.scoped(Effect.gen(function*() {
            const conn = yield* Client.connect(server.address)
            if (i % 2 === 0) yield* conn.write("x")
          })), { concurrency: 8, discard: true })
      )
      let after = socketResources()
      for (let i = 0; i < 50 && JSON.stringify(after.handles) !== JSON.stringify(before.handles); i++) {
        yield* Effect.sleep("20 millis")
        after = socketResources()
      }
      console.log(
        `[handles] 2000 cycles in ${ms.toFixed(0)} ms; before ${JSON.stringify(before)} after ${JSON.stringify(after)}; open connections ${yield* server.connections}`
      )
      expect(after.handles).toEqual(before.handles)
      expect(after.timers).toBeLessThanOrEqual(before.timers)
      expect(yield* server.connections).toBe(0)
    }), { timeout: 30_000 })
})
