import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Address, Client, type Connection, Framing, Server } from "../../src/index.js"
import {
  activeResources,
  eventually,
  fdCount,
  formatCounts,
  memory,
  mib,
  quiet,
  rawConnect,
  summary,
  tagOf,
  tempDir
} from "./support.js"

const framer = Framing.lengthPrefixed()
const frameEcho = (conn: Connection.Connection) => conn.read.pipe(framer.decode, framer.encode, Stream.run(conn.sink))

const cycles = 5_000
const concurrency = 25

const sameCounts = (a: Record<string, number>, b: Record<string, number>) => formatCounts(a) === formatCounts(b)

describe("stress: cycles", () => {
  it.scopedLive(`${cycles} connect/close cycles, graceful and reset mid-frame: fds and handles come back`, () =>
    quiet(Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), frameEcho)
      const frame = new Uint8Array(100).fill(7)
      const wire = Framing.lengthPrefixed().encodeFrame(frame)
      if (wire._tag === "Left") return expect.fail("encodeFrame failed")

      const graceful = Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address)
        yield* conn.write(wire.right)
        yield* conn.end
        const got = yield* Stream.runCollect(framer.decode(conn.read))
        expect(Chunk.size(got)).toBe(1)
      }))
      // Header and a third of the body, then RST: the server's handler is mid-frame.
      const reset = Effect.scoped(Effect.gen(function*() {
        const socket = yield* rawConnect(server.address)
        yield* Effect.async<void>((resume) => {
          socket.write(wire.right.subarray(0, 4 + 33), () => resume(Effect.void))
        })
        socket.resetAndDestroy()
      }))
      const cycle = (i: number) => i % 2 === 0 ? graceful : reset

      // Warm up, so that lazily created runtime resources are part of the baseline.
      yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => i), cycle, { concurrency, discard: true })
      yield* eventually(() => false, 300)
      yield* Effect.flatMap(server.connections, (n) => eventually(() => n === 0, 2_000))
      const fds0 = fdCount()
      const handles0 = activeResources()
      const rss0 = memory().rss
      const start = performance.now()

      let failures = 0
      yield* Effect.forEach(
        Array.from({ length: cycles }, (_, i) => i),
        (i) => Effect.catchAll(cycle(i), (e) => Effect.sync(() => (failures++, console.log(tagOf(e))))),
        { concurrency, discard: true }
      )
      const seconds = (performance.now() - start) / 1000
      let connections = yield* server.connections
      const settled = yield* eventually(() => {
        connections = Effect.runSync(server.connections)
        return connections === 0 && fdCount() === fds0 && sameCounts(activeResources(), handles0)
      }, 5_000, 50)
      const rss1 = memory().rss
      yield* summary("connect/close cycles", {
        cycles,
        graceful: cycles / 2,
        resetMidFrame: cycles / 2,
        clientFailures: failures,
        seconds: seconds.toFixed(1),
        fdsBefore: fds0,
        fdsAfter: fdCount(),
        handlesBefore: formatCounts(handles0),
        handlesAfter: formatCounts(activeResources()),
        openConnections: connections,
        rssBeforeMiB: (rss0 / mib).toFixed(0),
        rssAfterMiB: (rss1 / mib).toFixed(0)
      })
      expect(failures).toBe(0)
      expect(connections).toBe(0)
      expect(fdCount()).toBe(fds0)
      expect(formatCounts(activeResources())).toBe(formatCounts(handles0))
      expect(settled).toBe(true)
    })), 120_000)

  it.live("20 start/stop cycles on one Unix path and one TCP port: no leftover file, no EADDRINUSE", () =>
    Effect.gen(function*() {
      const outcome = yield* Effect.scoped(Effect.gen(function*() {
        const dir = yield* tempDir
        const path = Path.join(dir, "cycle.sock")
        // A port that was free a moment ago, then reused by every TCP cycle.
        const port = yield* Effect.scoped(Effect.map(Server.serve(Address.tcp(0), frameEcho), (s) =>
          s.address._tag === "TcpAddress" ? s.address.port : 0))
        const addresses = [Address.unix(path), Address.tcp(port)]
        const errors: Array<string> = []
        let leftovers = 0
        let roundTrips = 0
        for (let i = 0; i < 20; i++) {
          for (const address of addresses) {
            const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
              const server = yield* Server.serve(address, frameEcho)
              // A connection per cycle, so the close has a socket to clean up (and TIME_WAIT to survive).
              const conn = yield* Client.connect(server.address)
              const wire = framer.encodeFrame(new Uint8Array([i]))
              if (wire._tag === "Right") yield* conn.write(wire.right)
              yield* conn.end
              const got = yield* Stream.runCollect(framer.decode(conn.read))
              if (Chunk.size(got) === 1) roundTrips++
            })))
            if (Exit.isFailure(exit)) errors.push(`${Address.format(address)}: ${exit.cause.toString().slice(0, 200)}`)
            if (address._tag === "UnixAddress" && Fs.existsSync(path)) leftovers++
          }
        }
        return { errors, leftovers, roundTrips }
      }))
      yield* summary("start/stop cycles", {
        cycles: 20,
        transports: "unix+tcp(same port)",
        roundTrips: outcome.roundTrips,
        failures: outcome.errors.length,
        leftoverSocketFiles: outcome.leftovers
      })
      expect(outcome.errors).toEqual([])
      expect(outcome.leftovers).toBe(0)
      expect(outcome.roundTrips).toBe(40)
    }), 60_000)
})
