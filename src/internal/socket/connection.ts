import * as Socket from "@effect/platform/Socket"
import type * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { Connection, ReadFailure, WriteFailure } from "../../Connection.js"
import { TypeId } from "../../Connection.js"
import type { Endpoint } from "./endpoint.js"
import { polledStream } from "./polledStream.js"

const encoder = new TextEncoder()

/** The endpoint's input: a reader per run, its buffered chunks handed over without an Effect step. */
const readStream = (endpoint: Endpoint): Stream.Stream<Uint8Array, ReadFailure> =>
  polledStream(() => {
    const reader = endpoint.reader()
    return { poll: () => endpoint.poll(), pull: reader.pull }
  })

/**
 * Writes each Stream chunk as one batch (`offer`, inside the channel
 * executor); an Effect runs only when there is something to wait for (room
 * in the outgoing buffer) or a failure. `Sink.forEachChunk` would run one per chunk.
 */
const writeSink = (endpoint: Endpoint): Sink.Sink<void, Uint8Array, never, WriteFailure> => {
  const again = () => loop
  const loop: Channel.Channel<never, Chunk.Chunk<Uint8Array>, WriteFailure, never, void, unknown> = Channel
    .readWithCause({
      onInput: (chunk: Chunk.Chunk<Uint8Array>) =>
        Channel.suspend(() => {
          const rest = endpoint.offer(Chunk.toReadonlyArray(chunk))
          return rest === undefined ? loop : Channel.flatMap(Channel.fromEffect(rest), again)
        }),
      onFailure: (cause: Cause.Cause<never>) => Channel.failCause(cause),
      onDone: () => Channel.void
    })
  return Sink.fromChannel(loop)
}

/** A connection's graceful close, for `toSocket`'s `CloseEvent`: not part of `Connection`, whose scope closes it. */
const closeGracefully: unique symbol = Symbol("effect-net/closeGracefully")

interface Closable {
  readonly [closeGracefully]: Effect.Effect<void>
}

/** @internal */
export const fromEndpoint = (endpoint: Endpoint): Connection => {
  const connection: Connection & Closable = {
    [TypeId]: TypeId,
    [closeGracefully]: endpoint.close(true),
    localAddress: endpoint.localAddress,
    remoteAddress: endpoint.remoteAddress,
    tls: Option.fromNullable(endpoint.tls),
    read: readStream(endpoint),
    write: (data) => endpoint.write([typeof data === "string" ? encoder.encode(data) : data]),
    sink: writeSink(endpoint),
    flush: endpoint.flush,
    end: endpoint.end
  }
  return connection
}

/**
 * Ties the endpoint to the current scope: a successful exit closes it
 * gracefully, anything else destroys it at once.
 *
 * @internal
 */
export const scoped = (endpoint: Endpoint): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => fromEndpoint(endpoint)),
    (_, exit) => endpoint.close(Exit.isSuccess(exit))
  )

/**
 * Opens an endpoint and ties it to the current scope as `scoped` does; the
 * opening itself stays interruptible (a connect is bounded by its timeout).
 *
 * @internal
 */
export const acquire = <E>(open: Effect.Effect<Endpoint, E>): Effect.Effect<Connection, E, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) => Effect.flatMap(restore(open), scoped))

/**
 * Half-closes without waiting for the FIN to go out, as the platform's
 * writer release does: `end` now waits for the flush, which a peer that does
 * not read can hold up without bound, and a release must not hang. The
 * connection's own close still flushes (bounded by `flushTimeout`) and
 * reports what it drops; the fiber ends when the FIN is sent or the socket closes.
 *
 * @internal
 */
export const endInBackground = (self: Connection): Effect.Effect<void> =>
  Effect.asVoid(Effect.forkDaemon(Effect.ignore(self.end)))

const platformError = (reason: "Read" | "Write") => (cause: ReadFailure | WriteFailure): Socket.SocketError =>
  new Socket.SocketGenericError({ reason, cause })

/**
 * A `CloseEvent`: the platform destroys the socket; here the connection
 * closes gracefully (what it accepted is flushed first, bounded by
 * `flushTimeout`, then `closeTimeout` for the peer), in the background so
 * the writer does not wait for it, and its reads end. A connection not made
 * here (no graceful close to start) half-closes instead.
 */
const closeInBackground = (self: Connection): Effect.Effect<void> =>
  closeGracefully in self
    ? Effect.asVoid(Effect.forkDaemon((self as Connection & Closable)[closeGracefully]))
    : endInBackground(self)

/**
 * The platform writer's mapping: bytes and strings are written, a
 * `CloseEvent` closes the connection; errors become `SocketGenericError` "Write".
 *
 * @internal
 */
export const platformWrite = (
  self: Connection,
  chunk: Uint8Array | string | Socket.CloseEvent
): Effect.Effect<void, Socket.SocketError> =>
  Socket.isCloseEvent(chunk) ? closeInBackground(self) : Effect.mapError(self.write(chunk), platformError("Write"))

/**
 * Most handler effects of a `toSocket` run unfinished at once; past it,
 * reading waits (each holds at most one read's bytes, 64 KiB).
 *
 * @internal
 */
export const maxHandlersInFlight = 64

/**
 * A `Socket.Socket` view of an open connection. The handler is called for
 * each piece of input in order, and each effect it returns runs in a fiber
 * of its own, as the platform runs them: one that waits (an @effect/rpc
 * client's full mailbox for a stream nobody reads yet) must not stop the
 * replies to other calls behind it. Unlike the platform's, reading waits
 * while `maxHandlersInFlight` effects are unfinished (backpressure), and
 * the end of input waits for them; the first to fail fails the run and
 * interrupts the rest.
 *
 * @internal
 */
export const toSocket = (self: Connection): Socket.Socket => {
  const run = <_, E = never, R = never>(
    handler: (_: Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> =>
    // `scopedWith`, not `scoped`: the handler's effects keep the caller's `Scope`, not this run's
    Effect.scopedWith((scope) => Effect.gen(function*() {
      const fibers = yield* Scope.extend(FiberSet.make<unknown, Socket.SocketError | E>(), scope)
      const fork = yield* FiberSet.runtime(fibers)<R>()
      let inFlight = 0
      let resumeReading: (() => void) | undefined
      const finished = Effect.sync(() => {
        inFlight--
        if (resumeReading !== undefined && inFlight < maxHandlersInFlight) {
          const resume = resumeReading
          resumeReading = undefined
          resume()
        }
      })
      const room = Effect.async<void>((resume) => {
        if (inFlight < maxHandlersInFlight) return resume(Effect.void)
        resumeReading = () => resume(Effect.void)
      })
      const reading = self.read.pipe(
        Stream.mapError(platformError("Read")),
        Stream.runForEachChunk((chunk) =>
          Effect.suspend(() => {
            for (const bytes of chunk) {
              const result = handler(bytes)
              if (Effect.isEffect(result)) {
                inFlight++
                fork(Effect.ensuring(result, finished))
              }
            }
            return inFlight < maxHandlersInFlight ? Effect.void : room
          })
        )
      )
      yield* options?.onOpen ?? Effect.void
      // `join` settles only when a handler fails: then it wins, and reading stops. A failure of the last
      // effect may leave the set empty before `join` hears of it: the set's outcome is looked at after.
      const drained = Effect.zipRight(
        Effect.zipRight(reading, FiberSet.awaitEmpty(fibers)),
        Effect.flatMap(Deferred.isDone(fibers.deferred), (failed) => failed ? FiberSet.join(fibers) : Effect.void)
      )
      return yield* Effect.raceFirst(drained, FiberSet.join(fibers))
    }))
  const write = (chunk: Uint8Array | string | Socket.CloseEvent) => platformWrite(self, chunk)
  return Socket.Socket.of({
    [Socket.TypeId]: Socket.TypeId,
    run,
    runRaw: run,
    writer: Effect.acquireRelease(Effect.succeed(write), () => endInBackground(self))
  })
}
