/**
 * What every transport's endpoint is, and the bookkeeping they all keep the
 * same way: waking waiters, parked pulls, and whether a request is in flight.
 */
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
  /** Everything received so far as one chunk, waiting if nothing is; `None` after the peer's FIN. */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>>
  /**
   * What `pull` would hand over at once, taken as `pull` takes it; `undefined`
   * when nothing is buffered (`pull` then waits or says why). The read stream
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
   * Waits for the next `wakeParked` (or wake of `also`, the transport's own
   * waiter set, when given); `onParked` runs once the waiter is registered.
   */
  readonly park: (also?: Set<() => void>, onParked?: () => void) => Effect.Effect<void>
}

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
    park: (also, onParked) =>
      Effect.async<void>((resume) => {
        const waiter = () => {
          parked.delete(waiter)
          also?.delete(waiter)
          resume(Effect.void)
        }
        parked.add(waiter)
        also?.add(waiter)
        onParked?.()
        onReadWait()
        return Effect.sync(() => {
          parked.delete(waiter)
          also?.delete(waiter)
        })
      })
  }
}
