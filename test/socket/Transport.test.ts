import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as fc from "effect/FastCheck"
import * as Path from "node:path"
import type { Connection } from "../../src/Connection.js"
import * as Framing from "../../src/Framing.js"
import * as Transport from "../../src/Transport.js"
import { answerAfterTenBytes, processWarnings, readAll, tempDir } from "../peers/support.js"

const framer = Framing.lengthPrefixed()
const text = new TextEncoder()
const messages = Array.from({ length: 50 }, (_, i) => `message ${i} ${"x".repeat(i * 5)}`)

/** A tiny protocol: each length-prefixed request is answered with its text upper-cased. */
const upperCaseServer = (conn: Connection) =>
  conn.read.pipe(
    framer.decode,
    Stream.map((frame) => text.encode(new TextDecoder().decode(frame).toUpperCase())),
    framer.encode,
    Stream.run(conn.sink)
  )

/** One program, whatever the transport. */
const program = Effect.gen(function*() {
  const transport = yield* Transport.Transport
  yield* transport.serve(upperCaseServer)
  return yield* Effect.scoped(Effect.gen(function*() {
    const conn = yield* transport.connect
    const replies = yield* Effect.fork(conn.read.pipe(
      framer.decode,
      Stream.map((frame) => new TextDecoder().decode(frame)),
      Stream.runCollect
    ))
    yield* Stream.fromIterable(messages).pipe(Stream.map((m) => text.encode(m)), framer.encode, Stream.run(conn.sink))
    yield* conn.end
    return Chunk.toReadonlyArray(yield* replies)
  }))
})

const expected = messages.map((m) => m.toUpperCase())

describe("Transport", () => {
  it.scopedLive("the same program over layerTcp", () =>
    Effect.gen(function*() {
      expect(yield* Effect.provide(program, Transport.layerTcp({ port: 0 }))).toEqual(expected)
    }))

  it.scopedLive("the same program over layerUnix", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const layer = Transport.layerUnix({ path: Path.join(dir, "transport.sock") })
      expect(yield* Effect.provide(program, layer)).toEqual(expected)
    }))

  it.scopedLive("the same program over layerMemory with 1-byte re-chunking", () =>
    Effect.gen(function*() {
      const layer = Transport.layerMemory({ rechunk: Transport.fixedChunks(1) })
      expect(yield* Effect.provide(program, layer)).toEqual(expected)
    }))

  it.scopedLive("the same program over layerMemory with random re-chunking, for several seeds", () =>
    Effect.forEach([1, 2, 3, 42], (seed) =>
      Effect.gen(function*() {
        const layer = Transport.layerMemory({ rechunk: Transport.randomChunks(seed, 7) })
        expect(yield* Effect.provide(program, layer)).toEqual(expected)
      }), { discard: true }))

  it.scopedLive("memory: 1-byte re-chunking hands the handler one 1-byte element per pull", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ rechunk: Transport.fixedChunks(1) })
      const seen = yield* Deferred.make<ReadonlyArray<ReadonlyArray<number>>>()
      yield* transport.serve((conn) =>
        conn.read.pipe(
          Stream.chunks,
          Stream.map((chunk) => Chunk.toReadonlyArray(chunk).map((bytes) => bytes.byteLength)),
          Stream.runCollect,
          Effect.flatMap((pulls) => Deferred.succeed(seen, Chunk.toReadonlyArray(pulls)))
        ))
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* transport.connect
        yield* conn.write("hello")
        yield* conn.write("world")
        yield* conn.end
      }))
      expect(yield* Deferred.await(seen)).toEqual(Array.from({ length: 10 }, () => [1]))
    }))

  it.scopedLive("memory: random re-chunking is determined by the seed", () =>
    Effect.gen(function*() {
      const cuts = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const transport = yield* Transport.makeMemory({ rechunk: Transport.randomChunks(seed, 10) })
          const seen = yield* Deferred.make<ReadonlyArray<number>>()
          yield* transport.serve((conn) =>
            conn.read.pipe(
              Stream.mapChunks((chunk) => Chunk.map(chunk, (bytes) => bytes.byteLength)),
              Stream.runCollect,
              Effect.flatMap((sizes) => Deferred.succeed(seen, Chunk.toReadonlyArray(sizes)))
            ))
          yield* Effect.scoped(Effect.gen(function*() {
            const conn = yield* transport.connect
            yield* conn.write(new Uint8Array(200))
            yield* conn.end
          }))
          return yield* Deferred.await(seen)
        }))
      const a = yield* cuts(7)
      expect(yield* cuts(7)).toEqual(a)
      expect(yield* cuts(8)).not.toEqual(a)
      expect(a.reduce((n, s) => n + s, 0)).toBe(200)
      expect(a.every((s) => s >= 1 && s <= 10)).toBe(true)
    }))

  it.scopedLive("memory: a writer waits while the reader does not pull", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ shutdownGracePeriod: "10 millis", closeTimeout: "50 millis" })
      yield* transport.serve(() => Effect.never)
      const conn = yield* transport.connect
      let written = 0
      const done = yield* Effect.timeoutOption(
        Effect.forEach(Array.from({ length: 64 }), () =>
          Effect.tap(conn.write(new Uint8Array(16 * 1024)), () => {
            written += 16 * 1024
          }), { discard: true }),
        "100 millis"
      )
      expect(Option.isNone(done)).toBe(true)
      expect(written).toBeLessThanOrEqual(128 * 1024)
    }))

  it.scopedLive("memory: refused without a server, EADDRINUSE for a second one", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory()
      const refused = yield* Effect.flip(transport.connect)
      expect(refused._tag).toBe("ConnectError")
      expect(refused.code).toBe("ECONNREFUSED")
      yield* transport.serve(upperCaseServer)
      const inUse = yield* Effect.flip(transport.serve(upperCaseServer))
      expect(inUse.code).toBe("EADDRINUSE")
    }))

  it.scopedLive("memory: idle timeout, writes after close, and a vanished peer", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ idleTimeout: "50 millis" })
      const seen = yield* Deferred.make<string>()
      yield* transport.serve((conn) =>
        Stream.runDrain(conn.read).pipe(Effect.tapError((error) => Deferred.succeed(seen, error._tag)))
      )
      const conn = yield* transport.connect
      expect(yield* Deferred.await(seen)).toBe("IdleTimeoutError")
      // The server destroyed its end: the client reads EOF, then its writes fail.
      expect((yield* readAll(conn)).byteLength).toBe(0)
      const error = yield* Effect.flip(conn.write("anyone?"))
      expect(["WriteError", "IdleTimeoutError"]).toContain(error._tag)
      const leaked = yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          const t = yield* Transport.Transport
          yield* t.serve((c) => Stream.run(c.read, c.sink))
          return yield* t.connect
        }),
        Transport.layerMemory()
      ))
      expect((yield* Effect.flip(leaked.write("late")))._tag).toBe("SocketClosedError")
    }))

  it.scopedLive("memory: a graceful close delivers what was written before the FIN", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ rechunk: Transport.randomChunks(5, 4096) })
      const payload = new Uint8Array(1024 * 1024).map((_, i) => i % 256)
      yield* transport.serve((conn) => conn.write(payload))
      const got = yield* Effect.scoped(Effect.flatMap(transport.connect, readAll))
      expect(got.equals(payload)).toBe(true)
    }))

  for (const [label, timeout] of [["infinite", Duration.infinity], ["30-day", Duration.days(30)]] as const) {
    it.scopedLive(`memory: ${label} idleTimeout and closeTimeout are "never" (was: both fired after 1 ms)`, () =>
      Effect.gen(function*() {
        // Node keeps timer delays in 31 bits: 30 days unclamped is a 1 ms timer and a TimeoutOverflowWarning.
        const warnings = yield* processWarnings
        const transport = yield* Transport.makeMemory({
          idleTimeout: timeout,
          closeTimeout: timeout,
          shutdownGracePeriod: "10 millis"
        })
        yield* transport.serve((conn) => Effect.zipRight(Effect.sleep("300 millis"), conn.end))
        const [read, ms] = yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* transport.connect
          const read = yield* Effect.timeoutOption(Effect.either(Stream.runDrain(conn.read)), "100 millis")
          const closeStart = performance.now()
          return [read, closeStart] as const
        })).pipe(Effect.map(([read, closeStart]) => [read, performance.now() - closeStart] as const))
        // Neither idle timer fired: the read was still waiting.
        expect(Option.isNone(read)).toBe(true)
        // The graceful close waited for the server's FIN (sent 300 ms after it accepted), not 1 ms.
        expect(ms).toBeGreaterThanOrEqual(150)
        expect(ms).toBeLessThan(2000)
        expect(warnings()).toEqual([])
      }))
  }

  it.scopedLive("allowHalfOpen: false behaves the same over TCP and memory: a write after the peer's FIN fails", () =>
    Effect.gen(function*() {
      const lateWrite = (transport: Transport.Transport["Type"]) =>
        Effect.scoped(Effect.gen(function*() {
          const seen = yield* Deferred.make<string>()
          yield* transport.serve((conn) =>
            Effect.gen(function*() {
              yield* Stream.runDrain(conn.read)
              yield* Effect.sleep("30 millis")
              const result = yield* Effect.either(conn.write("late"))
              yield* Deferred.succeed(seen, result._tag === "Left" ? result.left._tag : "written")
            })
          )
          const conn = yield* transport.connect
          yield* conn.end
          // What the client reads: EOF at once when the server's side ended with ours.
          const received = (yield* readAll(conn)).toString()
          return `${yield* Deferred.await(seen).pipe(Effect.timeout("2 seconds"))}/${received}`
        }))
      const options = { allowHalfOpen: false, shutdownGracePeriod: "50 millis", closeTimeout: "50 millis" } as const
      expect(yield* lateWrite(yield* Transport.makeTcp({ port: 0, ...options }))).toBe("SocketClosedError/")
      expect(yield* lateWrite(yield* Transport.makeMemory(options))).toBe("SocketClosedError/")
      // And the default (half-open) still lets the handler answer after the FIN.
      expect(yield* lateWrite(yield* Transport.makeMemory({ closeTimeout: "50 millis" }))).toBe("written/late")
    }))

  it.scopedLive("memory: shutdown gives a handler in the middle of a request the grace period", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ shutdownGracePeriod: "5 seconds", closeTimeout: "50 millis" })
      const started = yield* Deferred.make<void>()
      const serverScope = yield* Scope.make()
      yield* Scope.extend(
        transport.serve(answerAfterTenBytes(started)),
        serverScope
      )
      const conn = yield* transport.connect
      yield* conn.write("12345")
      yield* Deferred.await(started)
      const closing = yield* Effect.fork(Scope.close(serverScope, Exit.void))
      yield* Effect.sleep("100 millis")
      yield* conn.write("67890")
      expect((yield* readAll(conn).pipe(Effect.timeout("3 seconds"))).toString()).toBe("ok")
      yield* Fiber.join(closing)
    }))

  it.scopedLive("memory: shutdown does not cut short a handler's graceful close (it is not a read)", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ shutdownGracePeriod: "2 seconds", closeTimeout: "2 seconds" })
      const serverScope = yield* Scope.make()
      // The handler answers and returns: its close sends FIN and waits for ours.
      yield* Scope.extend(transport.serve((conn) => conn.write("bye")), serverScope)
      const conn = yield* transport.connect
      expect((yield* readAll(conn)).toString()).toBe("bye")
      const closing = yield* Effect.fork(Scope.close(serverScope, Exit.void))
      yield* Effect.sleep("50 millis")
      // Was: shutdown took the close's wait for our FIN for an idle read and destroyed the end (EPIPE here).
      yield* conn.write("late input, discarded by the closing end")
      yield* conn.end
      yield* Fiber.join(closing).pipe(Effect.timeout("1 second"))
    }))

  it.scopedLive("layerTcp port 0: connect dials the newest running serve, also after a second one closed", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeTcp({ port: 0, closeTimeout: "50 millis" })
      const tagged = (tag: string) => (conn: Connection) => Effect.zipRight(Stream.runDrain(conn.read), conn.write(tag))
      const ask = Effect.scoped(Effect.gen(function*() {
        const conn = yield* transport.connect
        yield* conn.end
        return (yield* readAll(conn)).toString()
      }))
      yield* transport.serve(tagged("first"))
      expect(yield* ask).toBe("first")
      const second = yield* Effect.scoped(Effect.zipRight(transport.serve(tagged("second")), ask))
      expect(second).toBe("second")
      // Was: closing the second forgot every address and connect dialled port 0 (ECONNREFUSED).
      expect(yield* ask).toBe("first")
    }))

  it.live.prop(
    "memory: framed replies do not depend on where the transport cuts the bytes",
    [fc.integer(), fc.integer({ min: 1, max: 64 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 12 })],
    ([seed, maxSize, frames]) =>
      Effect.scoped(Effect.gen(function*() {
        const transport = yield* Transport.makeMemory({ rechunk: Transport.randomChunks(seed, maxSize) })
        yield* transport.serve((conn) =>
          conn.read.pipe(framer.decode, Stream.map((frame) => frame.slice().reverse()), framer.encode, Stream.run(conn.sink))
        )
        const replies = yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* transport.connect
          const replies = yield* Effect.fork(conn.read.pipe(framer.decode, Stream.runCollect))
          yield* Stream.fromIterable(frames).pipe(framer.encode, Stream.run(conn.sink))
          yield* conn.end
          return Chunk.toReadonlyArray(yield* replies).map((frame) => Array.from(frame))
        }))
        expect(replies).toEqual(frames.map((frame) => Array.from(frame).reverse()))
      })),
    { fastCheck: { numRuns: 40 } }
  )
})
