/**
 * The socket layer's shared numbers: how a timeout option becomes a Node
 * timer delay, the defaults, and the read-ahead bound.
 */
import * as Duration from "effect/Duration"

/**
 * Node keeps timer delays as signed 32-bit milliseconds: a longer one (or
 * `Infinity`) fires after 1 ms, and `socket.setTimeout(Infinity)` throws.
 *
 * @internal
 */
export const maxTimerMillis = 2 ** 31 - 1

/**
 * The one place a timeout becomes a Node timer delay. `undefined` means "set
 * no timer": the option was not given, or is infinite. Finite values are
 * clamped to what a Node timer can hold (about 24.8 days).
 *
 * @internal
 */
export const millis = (duration: Duration.DurationInput | undefined): number | undefined => {
  if (duration === undefined) return undefined
  const decoded = Duration.decode(duration)
  return Duration.isFinite(decoded) ? Math.min(Math.max(0, Duration.toMillis(decoded)), maxTimerMillis) : undefined
}

const withDefault = (duration: Duration.DurationInput | undefined, fallback: number): number | undefined =>
  duration === undefined ? fallback : millis(duration)

/** @internal */
export const defaultCloseTimeoutMillis = 500

/** The graceful-close wait for the peer; `undefined` (infinite) waits however long it takes. @internal */
export const closeTimeoutMillis = (duration: Duration.DurationInput | undefined): number | undefined =>
  withDefault(duration, defaultCloseTimeoutMillis)

/** @internal */
export const defaultFlushTimeoutMillis = 30_000

/** How long a graceful close's flush may make no progress; `undefined` (infinite): no bound. @internal */
export const flushTimeoutMillis = (duration: Duration.DurationInput | undefined): number | undefined =>
  withDefault(duration, defaultFlushTimeoutMillis)

/** @internal */
export const defaultConnectTimeout: Duration.DurationInput = "10 seconds"

/** @internal */
export const defaultHandshakeTimeout: Duration.DurationInput = "10 seconds"

/** @internal */
export const defaultShutdownGracePeriod: Duration.DurationInput = "5 seconds"

/**
 * Bytes a memory pipe buffers before its writer waits, so a handler that
 * does not read makes the sender wait.
 *
 * @internal
 */
export const readHighWaterMark = 64 * 1024

/**
 * Bytes a `node:net` endpoint reads ahead of its owner before it pauses the
 * socket; the kernel read that crossed the mark, and the one more that Node's
 * stream takes after `pause()` before it stops reading, add up to 64 KiB each
 * (test/socket/readAhead.test.ts holds the 384 KiB bound).
 * Several kernel reads, so that a consumer a little slower than the wire
 * does not stop and restart the socket on every 64 KiB.
 *
 * @internal
 */
export const readAheadMark = 256 * 1024
