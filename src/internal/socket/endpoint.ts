/**
 * What every transport's endpoint is, and the bookkeeping they all keep the
 * same way: waking waiters, parked pulls, and whether a request is in flight.
 */
import type * as Cause from "effect/Cause"
import type * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Address } from "../../Address.js"
import type { ReadFailure, TlsInfo, WriteFailure } from "../../Connection.js"
import { closeTimeoutMillis, flushTimeoutMillis, millis } from "./timeouts.js"

/**
 * One end of a byte pipe, whatever carries it (a `node:net` socket or an
 * in-process pair). `Connection` is built on this, so the transports only
 * differ here.
 *
 * @internal
 */
export interface Endpoint {
  readonly localAddress: Address
  readonly remoteAddress: Address
  /** What the handshake settled, on a TLS socket only. */
  readonly tls?: TlsInfo | undefined
  /** A reader of the input: the read stream makes one per run. */
  readonly reader: () => Reader
  /**
   * What a reader's `pull` would hand over at once, taken as it takes it;
   * `undefined` when nothing is buffered (`pull` then waits or says why). The read stream
   * polls first so that a chunk already received costs no Effect step.
   */
  readonly poll: () => Chunk.Chunk<Uint8Array> | undefined
  /** Resolves once the bytes are accepted, waiting while the outgoing buffer is over its mark. */
  readonly write: (data: ReadonlyArray<Uint8Array>) => Effect.Effect<void, WriteFailure>
  /**
   * `write`, done now: `undefined` once the bytes are accepted with room to
   * spare, else what is left to run (the failure, or the wait for room).
   * The sink offers each chunk so that a write costs no Effect step.
   */
  readonly offer: (data: ReadonlyArray<Uint8Array>) => Effect.Effect<void, WriteFailure> | undefined
  /** Resolves once every byte accepted so far is in the kernel (at once where there is no sender-side buffer). */
  readonly flush: Effect.Effect<void, WriteFailure>
  /** Half-close: no more writes, the peer reads EOF after every accepted byte; reading goes on. */
  readonly end: Effect.Effect<void, WriteFailure>
  /**
   * Graceful: FIN after the pending bytes (a flush making no progress is
   * bounded by `flushTimeout`), discard input until the peer closes (bounded
   * by `closeTimeout`), destroy. Otherwise destroy now. Bytes dropped are logged.
   */
  readonly close: (graceful: boolean) => Effect.Effect<void>
  readonly destroy: () => void
  /**
   * A pull is parked with nothing buffered AND nothing was pulled since the
   * last write or end (a connection that never received anything counts):
   * the owner answered everything and waits for the peer. One that read part
   * of a request and has not answered is busy, even while it waits for the
   * rest. A graceful close's wait for the peer is not a parked pull.
   */
  readonly isIdle: () => boolean
}

/**
 * One reader of an endpoint's input (a run of the read stream), whose pulls
 * come one at a time.
 *
 * @internal
 */
export interface Reader {
  /**
   * Everything received so far as one chunk, waiting if nothing is; `None`
   * after the peer's FIN. A pull interrupted while parked leaves no waiter
   * (see `Reads.reader`).
   */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>>
}

/**
 * A `Reader` from what a pull hands over without waiting (`ready`: a chunk,
 * the end, a failure, or `undefined` to wait) and where it waits.
 *
 * @internal
 */
export const readerOf = (
  ready: () => Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>> | undefined,
  spot: ParkingSpot
): Reader => {
  const pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>> = Effect.suspend(() =>
    ready() ?? parkThenPull
  )
  // Built once per reader: a parked pull, woken, pulls again.
  const parkThenPull = Effect.zipRight(spot.park, pull)
  return { pull }
}

/**
 * How a transport hands a new connection's endpoint to whoever accepts it:
 * `open` makes the endpoint, given what to call whenever a pull parks (a
 * server uses it to interrupt idle handlers during shutdown).
 *
 * @internal
 */
export type Accept = (open: (onReadWait: () => void) => Endpoint) => void

/** @internal */
export interface Addresses {
  readonly local: Address
  readonly remote: Address
}

/** @internal */
export interface EndpointOptions {
  /** Already normalised by `millis`: `undefined` sets no timer. */
  readonly idleTimeoutMillis: number | undefined
  /** `undefined`: a graceful close waits for the peer however long it takes. */
  readonly closeTimeoutMillis: number | undefined
  /** `undefined`: a graceful close waits for a flush that makes no progress however long it takes. */
  readonly flushTimeoutMillis: number | undefined
  /**
   * `false`: reading the peer's FIN ends our side too, as a `node:net` server
   * does. Default true. (`node:net` sockets take it when they are created.)
   */
  readonly allowHalfOpen?: boolean | undefined
}

/**
 * The endpoint options from the user's `idleTimeout` / `closeTimeout` / `flushTimeout`.
 *
 * @internal
 */
export const endpointOptions = (options: {
  readonly idleTimeout?: Duration.DurationInput | undefined
  readonly closeTimeout?: Duration.DurationInput | undefined
  readonly flushTimeout?: Duration.DurationInput | undefined
}): EndpointOptions => ({
  idleTimeoutMillis: millis(options.idleTimeout),
  closeTimeoutMillis: closeTimeoutMillis(options.closeTimeout),
  flushTimeoutMillis: flushTimeoutMillis(options.flushTimeout)
})

/**
 * `Endpoint.write` from `Endpoint.offer`: the offer runs when the Effect does.
 *
 * @internal
 */
export const writeByOffer = (
  offer: Endpoint["offer"]
): Endpoint["write"] =>
(data) => Effect.suspend(() => offer(data) ?? Effect.void)

/**
 * Runs every waiter once; ones added while they run wait for the next wake.
 *
 * @internal
 */
export const wake = (waiters: Set<() => void>): void => {
  if (waiters.size === 0) return
  const all = Array.from(waiters)
  waiters.clear()
  for (const f of all) f()
}

/**
 * The read side's bookkeeping behind `Endpoint.isIdle`: the parked pulls,
 * and whether bytes were handed over that the owner has not answered yet.
 *
 * @internal
 */
export interface Reads {
  /** Wakes every parked pull: something a pull waits for happened. */
  readonly wakeParked: () => void
  readonly hasParked: () => boolean
  /** Bytes went to the owner: a request is in flight. */
  readonly pulled: () => void
  /** The owner wrote or ended: it answered what it read. */
  readonly answered: () => void
  readonly isIdle: () => boolean
  /**
   * Where one reader's pulls wait for the next `wakeParked` (or wake of
   * `also`, the transport's own waiter set, when given); `onParked` runs once
   * the waiter is registered.
   */
  readonly reader: (also?: Set<() => void>, onParked?: () => void) => ParkingSpot
}

/** @internal */
export interface ParkingSpot {
  readonly park: Effect.Effect<void>
  /** Drops the waiter of a pull left parked (interrupted), if any. */
  readonly release: () => void
}

/**
 * `effect`, running `release` if it is interrupted (or fails): what
 * `Effect.onInterrupt` does, from effects built once here instead of option
 * objects made per run — those are the literals V8 pretenures (see
 * `Reads.reader`). Per run the runtime allocates two flag frames and a
 * status (bench/pretenure-async.ts with this shape: 3.7–4.5 µs per wait
 * against 3.5–3.7 with no canceler and 5–7 with one; scavenge pauses as with
 * none). A caller in an uninterruptible region gets `effect` as it is: it
 * cannot be cut short there.
 *
 * @internal
 */
export const releasingOnInterrupt = <A, E>(effect: Effect.Effect<A, E>, release: () => void): Effect.Effect<A, E> => {
  const guarded = Effect.uninterruptible(
    Effect.catchAllCause(Effect.interruptible(effect), (cause: Cause.Cause<E>) => {
      release()
      return Effect.failCause(cause)
    })
  )
  return Effect.checkInterruptible((interruptible) => interruptible ? guarded : effect)
}

/**
 * Waits until `settled` gives what to resume with, checking again each time
 * `waiters` are woken (`wake`); an interrupted wait leaves nothing in
 * `waiters` (`releasingOnInterrupt`: no canceler, see `Reads.reader`).
 *
 * @internal
 */
export const waitOn = <E>(
  waiters: Set<() => void>,
  settled: () => Effect.Effect<void, E> | undefined
): Effect.Effect<void, E> =>
  Effect.suspend(() => {
    let waiting: (() => void) | undefined
    const wait = Effect.async<void, E>((resume) => {
      const check = () => {
        waiting = undefined
        const done = settled()
        if (done !== undefined) return resume(done)
        waiting = check
        waiters.add(check)
      }
      check()
    })
    return releasingOnInterrupt(wait, () => {
      if (waiting !== undefined) waiters.delete(waiting)
    })
  })

/** @internal */
export const makeReads = (onReadWait: () => void): Reads => {
  const parked = new Set<() => void>()
  let unanswered = false
  const hasParked = () => parked.size > 0
  return {
    wakeParked: () => wake(parked),
    hasParked,
    pulled: () => {
      unanswered = true
    },
    answered: () => {
      unanswered = false
    },
    isIdle: () => hasParked() && !unanswered,
    reader: (also, onParked) => {
      let current: (() => void) | undefined
      const release = () => {
        if (current === undefined) return
        parked.delete(current)
        also?.delete(current)
        current = undefined
      }
      // No canceler: one makes Effect wrap every park in `onInterrupt`, whose option objects V8 allocates in the
      // old generation once their allocation site is pretenured (it is, by start-up's long-lived waits), where each
      // kept the young objects of its wait alive until a mark-compact: +5–8 µs of server CPU per request/response
      // (bench/PROFILE.md, "After 6"). The guard below releases the waiter of an interrupted park instead.
      const park = Effect.async<void>((resume) => {
        release()
        const waiter = () => {
          if (current === waiter) current = undefined
          parked.delete(waiter)
          also?.delete(waiter)
          resume(Effect.void)
        }
        current = waiter
        parked.add(waiter)
        also?.add(waiter)
        onParked?.()
        onReadWait()
      })
      // An interrupted park must leave nothing behind: a pull of `Stream.toPull` cut by a timeout keeps its run,
      // and its waiter would make a busy handler look idle to a shutdown.
      return { park: releasingOnInterrupt(park, release), release }
    }
  }
}
