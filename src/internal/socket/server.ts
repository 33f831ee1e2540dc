import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import { hasProperty } from "effect/Predicate"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type { Address } from "../../Address.js"
import { format } from "../../Address.js"
import type { Connection } from "../../Connection.js"
import { IdleTimeoutError } from "../../Connection.js"
import type { ListenError, ServeOptions, Server } from "../../Server.js"
import { scoped } from "./connection.js"
import type { Accept, Endpoint } from "./endpoint.js"
import { defaultShutdownGracePeriod } from "./timeouts.js"

/**
 * One line for a handler's failure: the error's tag (or class name) and its
 * message. A peer that misbehaves is routine for a server; the full cause
 * goes to Debug.
 */
const summary = (cause: Cause.Cause<unknown>): string => {
  const error = unwrapped(Cause.squash(cause))
  const name = hasProperty(error, "_tag") && typeof error._tag === "string"
    ? error._tag
    : error instanceof Error
    ? error.name
    : undefined
  const message = error instanceof Error ? error.message : text(error)
  const line = name === undefined || message === "" ? (name ?? message) : `${name}: ${message}`
  return line.replace(/\s*\n\s*/g, " ")
}

/** `String(error)`, for a value that may have no way to become a string (`Object.create(null)`). */
const text = (error: unknown): string => {
  try {
    return String(error)
  } catch {
    return Object.prototype.toString.call(error)
  }
}

/**
 * The platform's view of a connection (`toSocket`, so `layerSocketServer`'s
 * handlers) wraps our errors in a `SocketGenericError`, whose `cause` is the
 * one that says what happened.
 */
const unwrapped = (error: unknown): unknown =>
  hasProperty(error, "_tag") && error._tag === "SocketError" && hasProperty(error, "cause") &&
    hasProperty(error.cause, "_tag")
    ? error.cause
    : error

// A peer that went quiet (idleTimeout) or dripped a frame too slowly (Framing.withFrameTimeout) is
// routine for a server, not a handler bug: Info, not Error. By tag, so socket code needs no framing.
const isPeerTimeout = (error: unknown) => {
  const reason = unwrapped(error)
  return reason instanceof IdleTimeoutError || hasProperty(reason, "_tag") && reason._tag === "FrameTimeoutError"
}

// A platform handler may turn the socket's error into a defect (@effect/rpc's server does): that one counts too.
const isPeerTimeoutOnly = (cause: Cause.Cause<unknown>) => {
  const reasons = [...Chunk.toReadonlyArray(Cause.failures(cause)), ...Chunk.toReadonlyArray(Cause.defects(cause))]
  return reasons.length > 0 && reasons.every(isPeerTimeout)
}

/**
 * What a transport hands the server engine: a bound listener.
 *
 * @internal
 */
export interface Listener {
  readonly address: Address
  /** Stop accepting new connections; idempotent. */
  readonly stop: () => void
  /** Completes once the listener is closed. */
  readonly closed: Effect.Effect<void>
}

/**
 * The transport-independent server: one fiber and scope per connection,
 * connection limit, and the shutdown sequence.
 *
 * @internal
 */
export const serve = <A, E, R>(
  listen: (accept: Accept) => Effect.Effect<Listener, ListenError, Scope.Scope>,
  handler: (connection: Connection) => Effect.Effect<A, E, R>,
  options: ServeOptions
): Effect.Effect<Server, ListenError, R | Scope.Scope> =>
  Effect.gen(function*() {
    const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY
    const gracePeriod = options.shutdownGracePeriod ?? defaultShutdownGracePeriod
    const runtime = yield* Effect.runtime<R>()
    const log = Runtime.runFork(runtime)
    const fibersScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const fibers = yield* Scope.extend(FiberSet.make<unknown, never>(), fibersScope)
    const run = yield* FiberSet.runtime(fibers)<R>()
    const handlers = new Map<Endpoint, Fiber.RuntimeFiber<unknown, never>>()
    let shuttingDown = false

    const interrupt = (endpoint: Endpoint) => handlers.get(endpoint)?.unsafeInterruptAsFork(FiberId.none)

    const handle = (endpoint: Endpoint) =>
      Effect.scoped(Effect.flatMap(scoped(endpoint), handler)).pipe(
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.void
            : Effect.zipRight(
              isPeerTimeoutOnly(cause)
                ? Effect.logInfo(`connection closed: ${summary(cause)}`)
                : Cause.isFailure(cause)
                ? Effect.logError(`connection handler failed: ${summary(cause)}`)
                : Effect.logError(`connection handler died: ${summary(cause)}`),
              Effect.logDebug("connection handler cause", cause)
            )
        ),
        Effect.annotateLogs({ remoteAddress: format(endpoint.remoteAddress) }),
        Effect.ensuring(Effect.sync(() => handlers.delete(endpoint)))
      )

    const accept: Accept = (open) => {
      const endpoint = open(() => {
        // During shutdown a handler that parks with every request answered has no work in flight.
        if (shuttingDown && endpoint.isIdle()) interrupt(endpoint)
      })
      if (shuttingDown) return endpoint.destroy()
      if (handlers.size >= maxConnections) {
        endpoint.destroy()
        log(Effect.logWarning(
          `connection from ${format(endpoint.remoteAddress)} closed: maxConnections (${maxConnections}) reached`
        ))
        return
      }
      const fiber = run(handle(endpoint))
      // Its `ensuring` has already run if the fiber finished synchronously.
      if (fiber.unsafePoll() === null) handlers.set(endpoint, fiber)
    }

    const listener = yield* listen(accept)

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        shuttingDown = true
        listener.stop()
        // Idle ones go now, so idle clients do not hold shutdown up; one mid-request gets the grace period.
        for (const endpoint of handlers.keys()) {
          if (endpoint.isIdle()) interrupt(endpoint)
        }
        // Finalizers are uninterruptible: the waits must opt back in for their timeouts to fire.
        yield* Effect.timeoutOption(Effect.interruptible(FiberSet.awaitEmpty(fibers)), gracePeriod)
        // Every handler fiber is done after this (its scope closed its socket, its `ensuring` left
        // `handlers`): `run` starts a fiber synchronously, so `ensuring` is in place before anything
        // can interrupt it, and closing the FiberSet awaits the fibers it interrupts.
        yield* Scope.close(fibersScope, Exit.void)
        yield* Effect.timeoutOption(Effect.interruptible(listener.closed), "1 second")
      })
    )

    return {
      address: listener.address,
      connections: Effect.sync(() => handlers.size)
    }
  })
