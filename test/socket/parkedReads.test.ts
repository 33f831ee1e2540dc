import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Address from "../../src/Address.js"
import type { Connection } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import { makeReads, releasingOnInterrupt, waitOn, wake } from "../../src/internal/socket/endpoint.js"
import { rawConnect } from "../peers/support.js"

// Parked reads (endpoint.ts `makeReads`): a pull interrupted while parked leaves nothing behind (its reader's guard
// releases it; the reader's next park would too), and a second read parked beside it
// is woken as well.

const text = (bytes: Option.Option<Uint8Array>) => Option.match(bytes, { onNone: () => "", onSome: (b) => Buffer.from(b).toString() })

describe("makeReads", () => {
  it.effect("a pull interrupted while parked is no longer parked: not idle, and the next park is woken", () =>
    Effect.gen(function*() {
      let waits = 0
      const reads = makeReads(() => waits++)
      const spot = reads.reader()
      const first = yield* Effect.fork(spot.park)
      yield* Effect.yieldNow()
      expect([waits, reads.hasParked(), reads.isIdle()]).toEqual([1, true, true])
      yield* Fiber.interrupt(first)
      // no canceler (endpoint.ts says why), but a guard built once per reader that releases it
      expect([reads.hasParked(), reads.isIdle()]).toEqual([false, false])
      spot.release()
      const second = yield* Effect.fork(spot.park)
      yield* Effect.yieldNow()
      expect(reads.hasParked()).toBe(true)
      reads.wakeParked()
      yield* Fiber.join(second)
      expect(reads.hasParked()).toBe(false)
    }))

  it.effect("a reader's next park replaces the waiter its interrupted pull left, and is woken", () =>
    Effect.gen(function*() {
      const also = new Set<() => void>()
      const reads = makeReads(() => {})
      const spot = reads.reader(also)
      yield* Fiber.interrupt(yield* Effect.fork(spot.park).pipe(Effect.tap(() => Effect.yieldNow())))
      const again = yield* Effect.fork(spot.park)
      yield* Effect.yieldNow()
      expect(also.size).toBe(1)
      reads.wakeParked()
      yield* Fiber.join(again)
      expect([reads.hasParked(), also.size]).toEqual([false, 0])
    }))

  it.effect("every park is woken by one wake, whichever way it waits; a wake with none parked is lost", () =>
    Effect.gen(function*() {
      const also = new Set<() => void>()
      const reads = makeReads(() => {})
      reads.wakeParked()
      const parks = [reads.reader().park, reads.reader().park, reads.reader(also).park]
      const fibers = yield* Effect.forEach(parks, (park) => Effect.fork(park))
      yield* Effect.yieldNow()
      expect([reads.hasParked(), also.size]).toEqual([true, 1])
      reads.wakeParked()
      yield* Effect.forEach(fibers, Fiber.join)
      expect([reads.hasParked(), also.size]).toEqual([false, 0])
    }))

  it.effect("releasing a reader beside another leaves the other parked", () =>
    Effect.gen(function*() {
      const reads = makeReads(() => {})
      const one = reads.reader()
      const other = reads.reader()
      const first = yield* Effect.fork(one.park)
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(other.park)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(second)
      other.release()
      expect(reads.hasParked()).toBe(true)
      yield* Fiber.interrupt(first)
      one.release()
      expect(reads.hasParked()).toBe(false)
    }))
})

describe("releasingOnInterrupt", () => {
  it.effect("releases when the effect is interrupted or fails, not when it succeeds; uninterruptible callers wait", () =>
    Effect.gen(function*() {
      let released = 0
      const release = () => {
        released++
      }
      const gate = yield* Deferred.make<void>()
      const waiting = yield* Effect.fork(releasingOnInterrupt(Deferred.await(gate), release))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiting)
      expect(released).toBe(1)
      expect(yield* Effect.flip(releasingOnInterrupt(Effect.fail("no"), release))).toBe("no")
      expect(released).toBe(2)
      expect(yield* releasingOnInterrupt(Effect.succeed(7), release)).toBe(7)
      expect(released).toBe(2)
      // in an uninterruptible region the wait is not cut short: the interruption waits for it to end
      const held = yield* Effect.fork(Effect.uninterruptible(releasingOnInterrupt(Deferred.await(gate), release)))
      yield* Effect.yieldNow()
      const interrupting = yield* Effect.fork(Fiber.interrupt(held))
      yield* Effect.yieldNow()
      expect(interrupting.unsafePoll()).toBeNull()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupting)
      expect(released).toBe(2)
    }))
})

describe("waitOn (the wait for 'drain')", () => {
  it.effect("checks again on every wake until settled; an interrupted wait leaves nothing in the waiter set", () =>
    Effect.gen(function*() {
      const waiters = new Set<() => void>()
      let room = false
      const drained = waitOn<string>(waiters, () => (room ? Effect.void : undefined))
      const first = yield* Effect.fork(drained)
      const second = yield* Effect.fork(drained)
      yield* Effect.yieldNow()
      expect(waiters.size).toBe(2)
      yield* Fiber.interrupt(first)
      expect(waiters.size).toBe(1)
      wake(waiters)
      // not settled yet: the check put itself back
      expect(waiters.size).toBe(1)
      room = true
      wake(waiters)
      yield* Fiber.join(second)
      expect(waiters.size).toBe(0)
      expect(yield* Effect.flip(waitOn<string>(waiters, () => Effect.fail("closed")))).toBe("closed")
    }))
})

describe("parked reads", () => {
  it.scopedLive("a read interrupted while parked leaves the next read to get the bytes", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const handler = (conn: Connection) =>
        Effect.gen(function*() {
          // Nothing has been sent: the read parks and the timeout interrupts it.
          const first = yield* Stream.runHead(conn.read).pipe(Effect.timeoutOption("30 millis"))
          expect(Option.isNone(first)).toBe(true)
          yield* Deferred.succeed(interrupted, undefined)
          const second = yield* Stream.runHead(conn.read)
          yield* conn.write(`got ${text(second)}`)
          yield* conn.end
        })
      const server = yield* Server.serve(Address.tcp(0), handler)
      const peer = yield* rawConnect(server.address)
      yield* Deferred.await(interrupted)
      peer.socket.end("x")
      const { data } = yield* peer.ended
      expect(data.toString()).toBe("got x")
    }).pipe(Effect.timeout("5 seconds")))

  // A run of conn.read cut by a timeout ends; a pull of Stream.toPull cut by one keeps its run: the park's own
  // guard releases the waiter in both.
  const timedOutReads: ReadonlyArray<readonly [string, (conn: Connection) => Effect.Effect<Option.Option<unknown>, unknown, Scope.Scope>]> = [
    ["a run of conn.read", (conn) => Stream.runHead(conn.read).pipe(Effect.timeoutOption("30 millis"))],
    ["a Stream.toPull pull", (conn) => Effect.flatMap(Stream.toPull(conn.read), Effect.timeoutOption("30 millis"))]
  ]
  for (const [name, timedOutRead] of timedOutReads) {
    it.scopedLive(`shutdown: a handler whose read (${name}) was interrupted while parked, now busy, is not taken as idle`, () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const timedOut = yield* Deferred.make<void>()
        const handler = (conn: Connection) =>
          Effect.scoped(Effect.gen(function*() {
            expect(Option.isNone(yield* timedOutRead(conn))).toBe(true)
            yield* Deferred.succeed(timedOut, undefined)
            // busy, not reading: an idle handler would be interrupted at once, a busy one gets the grace period
            yield* Effect.sleep("300 millis")
            yield* conn.write("done")
          }))
        const server = yield* Scope.extend(Server.serve(Address.tcp(0), handler, { shutdownGracePeriod: "5 seconds" }), scope)
        const peer = yield* rawConnect(server.address)
        yield* Deferred.await(timedOut)
        yield* Scope.close(scope, Exit.void)
        expect((yield* peer.ended).data.toString()).toBe("done")
      }).pipe(Effect.timeout("5 seconds")))
  }

  it.scopedLive("two reads parked at once are both woken; each gets bytes of its own", () =>
    Effect.gen(function*() {
      const parked = yield* Deferred.make<void>()
      const gotOne = yield* Deferred.make<void>()
      const handler = (conn: Connection) =>
        Effect.gen(function*() {
          const readOne = Stream.runHead(conn.read).pipe(Effect.tap(() => Deferred.succeed(gotOne, undefined)))
          const a = yield* Effect.fork(readOne)
          const b = yield* Effect.fork(readOne)
          yield* Effect.sleep("30 millis")
          yield* Deferred.succeed(parked, undefined)
          const [x, y] = yield* Fiber.join(Fiber.zip(a, b))
          yield* conn.write([text(x), text(y)].sort().join(","))
          yield* conn.end
        })
      const server = yield* Server.serve(Address.tcp(0), handler)
      const peer = yield* rawConnect(server.address)
      yield* Deferred.await(parked)
      peer.socket.write("a")
      // The first read has its bytes before the second are sent, so each read gets one write's bytes.
      yield* Deferred.await(gotOne)
      peer.socket.end("b")
      const { data } = yield* peer.ended
      expect(data.toString()).toBe("a,b")
    }).pipe(Effect.timeout("5 seconds")))
})
