/**
 * A write in progress, seen from the writer's side while the peer reads it:
 * a write waiting for room settles when `end` runs beside it (Node emits no
 * 'drain' after `end`), a graceful close over TLS sees a steady reader's
 * progress (the TLS handle counts a write only when it completes whole), and
 * the memory transport's writer is not idle while its peer takes its bytes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Connection } from "../../src/Connection.js"
import * as Transport from "../../src/Transport.js"
import { captureWarnings } from "./pausedPeers.js"
import { transports } from "./transports.js"

const MiB = 1024 * 1024

/** Reads `conn` to its end at about `bytesPerSecond`, counting into `count`. */
const readPaced = (conn: Connection, bytesPerSecond: number, count: { bytes: number }) =>
  Effect.suspend(() => {
    const start = performance.now()
    return conn.read.pipe(Stream.runForEach((chunk) =>
      Effect.suspend(() => {
        count.bytes += chunk.byteLength
        return Effect.sleep(Math.max(0, start + (count.bytes / bytesPerSecond) * 1000 - performance.now()))
      })
    ))
  })

describe("a write waiting for room, and end beside it", () => {
  const cases = [
    ...transports.map((t) => ({ name: t.name, make: () => t.make() })),
    { name: "memory", make: () => Transport.makeMemory() }
  ]
  const total = 16 * MiB
  for (const { make, name } of cases) {
    for (const how of ["write", "sink"] as const) {
      it.scopedLive(`${name}, ${how}: settles once the peer has read every byte, the connection still open`, () =>
        Effect.gen(function*() {
          const received = { bytes: 0 }
          const done = yield* Deferred.make<void>()
          const transport = yield* make()
          yield* transport.serve((conn) =>
            Effect.gen(function*() {
              yield* Effect.sleep("200 millis") // meanwhile the client's write waits for room
              yield* conn.read.pipe(Stream.runForEach((chunk) => Effect.sync(() => void (received.bytes += chunk.byteLength))))
              yield* Deferred.await(done) // read to the FIN, and the connection stays open
            }))
          const conn = yield* transport.connect
          const data = new Uint8Array(total)
          const writer = yield* Effect.fork(how === "write" ? conn.write(data) : Stream.make(data).pipe(Stream.run(conn.sink)))
          yield* Effect.sleep("100 millis")
          expect(Option.isNone(yield* Fiber.poll(writer))).toBe(true)
          yield* conn.end.pipe(Effect.timeout("10 seconds"))
          expect(yield* Fiber.join(writer).pipe(Effect.timeout("5 seconds"), Effect.either)).toStrictEqual(Either.right(undefined))
          for (let i = 0; i < 100 && received.bytes < total; i++) yield* Effect.sleep("20 millis")
          expect(received.bytes).toBe(total)
          yield* Deferred.succeed(done, undefined)
        }), 30_000)
    }
  }
})

describe("a graceful close's flushTimeout and a peer reading one large write steadily", () => {
  // 12 MiB at 4 MiB/s: 3 s of flushing under a 1 s bound of no progress; the kernel takes bytes in batches
  // of at most ~1.4 MiB (0.35 s at this rate), so a watcher that sees them never calls it a stall
  const total = 12 * MiB
  const rate = 4 * MiB
  const options = { flushTimeout: "1 second", closeTimeout: "5 seconds" } as const
  for (const transport of transports.filter((t) => t.name !== "unix")) {
    it.scopedLive(`${transport.name}, the server writes: every byte arrives, no warning`, () => {
      const { layer, warnings } = captureWarnings()
      return Effect.gen(function*() {
        const t = yield* transport.make(options)
        // accepted whole; the wait for room is cut short, so the bytes are Node's to flush in the graceful close
        yield* t.serve((conn) => conn.write(new Uint8Array(total)).pipe(Effect.timeout("20 millis"), Effect.ignore))
        const conn = yield* t.connect
        const received = { bytes: 0 }
        expect(yield* readPaced(conn, rate, received).pipe(Effect.timeout("20 seconds"), Effect.either)).toStrictEqual(
          Either.right(undefined)
        )
        expect(received.bytes).toBe(total)
        expect(warnings).toStrictEqual([])
      }).pipe(Effect.provide(layer))
    }, 30_000)
  }

  it.scopedLive("tls, the client writes: every byte arrives, no warning", () => {
    const { layer, warnings } = captureWarnings()
    const tls = transports.find((t) => t.name === "tls")!
    return Effect.gen(function*() {
      const received = { bytes: 0 }
      const read = yield* Deferred.make<void>()
      const t = yield* tls.make(options)
      yield* t.serve((conn) => readPaced(conn, rate, received).pipe(Effect.ensuring(Deferred.succeed(read, undefined))))
      yield* Effect.scoped(Effect.flatMap(t.connect, (conn) =>
        conn.write(new Uint8Array(total)).pipe(Effect.timeout("20 millis"), Effect.ignore)))
      yield* Deferred.await(read).pipe(Effect.timeout("20 seconds"))
      expect(received.bytes).toBe(total)
      expect(warnings).toStrictEqual([])
    }).pipe(Effect.provide(layer))
  }, 30_000)
})

describe("the memory transport: a writer whose peer takes its bytes is not idle", () => {
  it.scopedLive("idleTimeout 500 ms, 64 KiB pieces, 4 MiB taken at 4 MiB/s: the write succeeds", () =>
    Effect.gen(function*() {
      const written = yield* Deferred.make<Either.Either<void, unknown>>()
      const t = yield* Transport.makeMemory({ idleTimeout: "500 millis", rechunk: Transport.fixedChunks(64 * 1024) })
      yield* t.serve((conn) => conn.write(new Uint8Array(4 * MiB)).pipe(Effect.either, Effect.flatMap((e) => Deferred.succeed(written, e))))
      const conn = yield* t.connect
      const received = { bytes: 0 }
      yield* readPaced(conn, 4 * MiB, received).pipe(Effect.timeout("20 seconds"), Effect.ignore)
      expect(yield* Deferred.await(written)).toStrictEqual(Either.right(undefined))
      expect(received.bytes).toBe(4 * MiB)
    }), 30_000)
})
