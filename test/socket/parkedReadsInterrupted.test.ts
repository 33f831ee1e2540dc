import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import * as Transport from "../../src/Transport.js"
import { fromEndpoint, toSocket } from "../../src/internal/socket/connection.js"
import type { Endpoint } from "../../src/internal/socket/endpoint.js"
import { endpointOptions, makeReads } from "../../src/internal/socket/endpoint.js"
import { makeNetwork } from "../../src/internal/socket/memory.js"

// Every way a read can be interrupted or abandoned while parked, checked on a memory endpoint pair: the
// serving side must not look idle (a parked pull, nothing unanswered) once no pull of it is parked any more,
// and a later read must still be woken by the peer's bytes.

const encoder = new TextEncoder()
const text = (chunks: Iterable<Uint8Array>) => Buffer.concat(Array.from(chunks)).toString()

const memoryPair = (rechunk?: Transport.Rechunk) =>
  Effect.gen(function*() {
    const network = makeNetwork({ rechunk })
    const options = endpointOptions({})
    let server: Endpoint | undefined
    let waits = 0
    yield* network.listen(options)((open) => {
      server = open(() => waits++)
    })
    const client = yield* network.connect(options)
    const endpoint = server!
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        client.destroy()
        endpoint.destroy()
      })
    )
    const send = (s: string) => client.write([encoder.encode(s)])
    return { server: endpoint, conn: fromEndpoint(endpoint), client, send, waits: () => waits }
  })

describe("pulls interrupted while parked (memory endpoint)", () => {
  it.scopedLive("Stream.toPull: a pull interrupted while parked leaves the connection not idle", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* memoryPair()
      const pull = yield* Stream.toPull(conn.read)
      expect(Option.isNone(yield* Effect.timeoutOption(pull, "20 millis"))).toBe(true)
      // no pull is parked now: the handler is doing something else
      expect(server.isIdle()).toBe(false)
    }))

  it.scopedLive("Stream.toPull: the pull after an interrupted one is woken and gets the bytes", () =>
    Effect.gen(function*() {
      const { conn, send, server, waits } = yield* memoryPair()
      const pull = yield* Stream.toPull(conn.read)
      for (let i = 0; i < 20; i++) {
        expect(Option.isNone(yield* Effect.timeoutOption(pull, "2 millis"))).toBe(true)
      }
      const next = yield* Effect.fork(pull)
      yield* Effect.sleep("10 millis")
      expect(server.isIdle()).toBe(true)
      expect(waits()).toBe(21)
      yield* send("x")
      expect(text(yield* Fiber.join(next))).toBe("x")
      expect(server.isIdle()).toBe(false)
    }))

  it.scopedLive("many runs of conn.read, each timed out while parked: none leaves the connection idle", () =>
    Effect.gen(function*() {
      const { conn, send, server } = yield* memoryPair()
      for (let i = 0; i < 50; i++) {
        expect(Option.isNone(yield* Effect.timeoutOption(Stream.runHead(conn.read), "1 millis"))).toBe(true)
        expect(server.isIdle()).toBe(false)
      }
      const next = yield* Effect.fork(Stream.runHead(conn.read))
      yield* Effect.sleep("10 millis")
      yield* send("y")
      expect(Option.map(yield* Fiber.join(next), (b) => text([b]))).toEqual(Option.some("y"))
    }))

  it.scopedLive("Stream.timeout, Stream.interruptWhen, Effect.race, Fiber.interrupt: not idle after", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* memoryPair()
      expect(Chunk.size(yield* Stream.runCollect(Stream.timeout(conn.read, "10 millis")))).toBe(0)
      expect(server.isIdle()).toBe(false)
      yield* Stream.runCollect(Stream.interruptWhen(conn.read, Effect.sleep("10 millis")))
      expect(server.isIdle()).toBe(false)
      yield* Effect.race(Stream.runHead(conn.read), Effect.sleep("10 millis"))
      expect(server.isIdle()).toBe(false)
      const fiber = yield* Effect.fork(Stream.runDrain(conn.read))
      yield* Effect.sleep("10 millis")
      expect(server.isIdle()).toBe(true)
      yield* Fiber.interrupt(fiber)
      expect(server.isIdle()).toBe(false)
    }))

  it.scopedLive("Stream.timeoutTo and a caught frame timeout: what runs after is not taken as idle", () =>
    Effect.gen(function*() {
      const { conn, send, server } = yield* memoryPair()
      const during = yield* Stream.runCollect(
        Stream.timeoutTo(conn.read, "10 millis", Stream.fromEffect(Effect.sync(() => server.isIdle())))
      )
      expect(Chunk.toReadonlyArray(during)).toEqual([false])
      yield* send("\x00\x00") // half a 4-byte length header: the frame timer runs
      const framer = Framing.withFrameTimeout(Framing.lengthPrefixed(), "20 millis")
      const caught = yield* Stream.runCollect(
        conn.read.pipe(
          framer.decode,
          Stream.map(() => true),
          Stream.catchAll(() => Stream.fromEffect(Effect.sync(() => server.isIdle())))
        )
      )
      expect(Chunk.toReadonlyArray(caught)).toEqual([false])
    }))

  it.scopedLive("two reads racing: the loser's run releases its reader; both woken when racing in parallel", () =>
    Effect.gen(function*() {
      const { conn, send, server } = yield* memoryPair()
      const raced = yield* Effect.fork(Effect.race(Stream.runHead(conn.read), Stream.runHead(conn.read)))
      yield* Effect.sleep("10 millis")
      yield* send("r")
      expect(Option.map(yield* Fiber.join(raced), (b) => text([b]))).toEqual(Option.some("r"))
      expect(server.isIdle()).toBe(false)
      const a = yield* Effect.fork(Stream.runHead(conn.read))
      const b = yield* Effect.fork(Stream.runHead(conn.read))
      yield* Effect.sleep("10 millis")
      // one read takes these bytes; the other, woken too, parks again and must be woken by the next
      yield* send("s")
      yield* Effect.sleep("10 millis")
      yield* send("t")
      const got = [yield* Fiber.join(a), yield* Fiber.join(b)].map(Option.match({ onNone: () => "", onSome: (b) => text([b]) }))
      expect(got.sort()).toEqual(["s", "t"])
    }).pipe(Effect.timeout("2 seconds")))

  it.scopedLive("rechunked memory transport: an interrupted toPull pull, then every piece in order", () =>
    Effect.gen(function*() {
      const { conn, send } = yield* memoryPair(Transport.fixedChunks(1))
      const pull = yield* Stream.toPull(conn.read)
      expect(Option.isNone(yield* Effect.timeoutOption(pull, "5 millis"))).toBe(true)
      const collected: Array<Uint8Array> = []
      const all = yield* Effect.fork(Effect.gen(function*() {
        while (collected.length < 5) collected.push(...Chunk.toReadonlyArray(yield* pull))
      }))
      yield* Effect.sleep("5 millis")
      yield* send("hello")
      yield* Fiber.join(all)
      expect(text(collected)).toBe("hello")
    }))

  it.scopedLive("a graceful close with a stale parked waiter still waits for, and sees, the peer's FIN", () =>
    Effect.gen(function*() {
      const { client, conn, server } = yield* memoryPair()
      const pull = yield* Stream.toPull(conn.read)
      expect(Option.isNone(yield* Effect.timeoutOption(pull, "5 millis"))).toBe(true)
      const closing = yield* Effect.fork(server.close(true))
      yield* Effect.sleep("10 millis")
      expect(closing.unsafePoll()).toBe(null)
      yield* client.end
      yield* Effect.timeout(Fiber.join(closing), "1 second")
    }))

  it.scopedLive("Connection.toSocket: a run interrupted while parked leaves the connection not idle", () =>
    Effect.gen(function*() {
      const { conn, send, server } = yield* memoryPair()
      const socket = toSocket(conn)
      const run = yield* Effect.fork(socket.run(() => {}))
      yield* Effect.sleep("10 millis")
      expect(server.isIdle()).toBe(true)
      yield* Fiber.interrupt(run)
      expect(server.isIdle()).toBe(false)
      const got = yield* Deferred.make<string>()
      yield* Effect.fork(socket.runRaw((b) => Deferred.succeed(got, text([b as Uint8Array]))))
      yield* Effect.sleep("10 millis")
      yield* send("z")
      expect(yield* Deferred.await(got)).toBe("z")
    }))
})

describe("makeReads, reviewed", () => {
  it.effect("a loop of interrupted parks on one reader keeps at most one waiter, in both sets", () =>
    Effect.gen(function*() {
      const also = new Set<() => void>()
      let waits = 0
      const reads = makeReads(() => waits++)
      const spot = reads.reader(also)
      for (let i = 0; i < 100; i++) {
        const f = yield* Effect.fork(spot.park)
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(f)
        // the interrupted park released its waiter itself (endpoint.ts: the guard built once per reader)
        expect([reads.hasParked(), also.size]).toEqual([false, 0])
      }
      expect(waits).toBe(100)
    }))

  it.effect("a park in an uninterruptible region is not cut short: the interruption waits for the wake", () =>
    Effect.gen(function*() {
      const reads = makeReads(() => {})
      const spot = reads.reader()
      const f = yield* Effect.fork(Effect.uninterruptible(spot.park))
      yield* Effect.yieldNow()
      const interrupting = yield* Effect.fork(Fiber.interrupt(f))
      yield* Effect.yieldNow()
      expect([reads.hasParked(), interrupting.unsafePoll()]).toEqual([true, null])
      reads.wakeParked()
      // the park ran to its wake; the interruption then took effect
      expect(Exit.isInterrupted(yield* Fiber.join(interrupting))).toBe(true)
      expect(reads.hasParked()).toBe(false)
    }))

  it.effect("a park reached by a fiber already interrupted, in a region that opts back in, leaves nothing", () =>
    Effect.gen(function*() {
      const reads = makeReads(() => {})
      const spot = reads.reader()
      const started = yield* Deferred.make<void>()
      const f = yield* Effect.fork(Effect.uninterruptibleMask((restore) =>
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.zipRight(Effect.yieldNow(), restore(spot.park)))
      ))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(f)
      expect(reads.hasParked()).toBe(false)
    }))
})
