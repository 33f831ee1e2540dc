import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { Address } from "../../Address.js"
import type { ConnectOptions } from "../../Client.js"
import type { Connection } from "../../Connection.js"
import { endInBackground, platformWrite, toSocket } from "./connection.js"
import { connect } from "./nodeClient.js"

const writeError = (cause: unknown): Socket.SocketError => new Socket.SocketGenericError({ reason: "Write", cause })

const closedError = () => new Error("Client.layerSocket: the layer's scope is closed")

/**
 * A `Socket.Socket` that connects afresh for every `run` / `runRaw`, like the
 * platform's `NodeSocket.makeNet`: the connection lives as long as that run
 * and is closed with it (gracefully when the run succeeded, at once
 * otherwise). The writer writes to whichever run's connection is current and
 * waits, while none is, until a run opens one. A write waiting when the scope
 * closes fails, as does a `run` started after it.
 *
 * @internal
 */
export const make = (
  address: Address,
  options?: ConnectOptions
): Effect.Effect<Socket.Socket, never, Scope.Scope> =>
  Effect.gen(function*() {
    let current: Connection | undefined
    let closed = false
    // Open while `current` is set, or once the scope is closed (to release waiting writers).
    const latch = yield* Effect.makeLatch(false)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return latch.open
      })
    )

    const run = <_, E = never, R = never>(
      handler: (_: Uint8Array) => Effect.Effect<_, E, R> | void,
      opts?: { readonly onOpen?: Effect.Effect<void> | undefined }
    ): Effect.Effect<void, Socket.SocketError | E, R> =>
      Effect.suspend(() =>
        closed
          ? Effect.fail(new Socket.SocketGenericError({ reason: "Open", cause: closedError() }))
          : Effect.scopedWith((scope) =>
            Effect.gen(function*() {
              const conn = yield* connect(address, options).pipe(
                Scope.extend(scope),
                Effect.mapError((cause) => new Socket.SocketGenericError({ reason: "Open", cause }))
              )
              // Added after the connection's own finalizer, so it runs first: writes stop going to this
              // connection before it starts closing.
              yield* Scope.addFinalizer(
                scope,
                Effect.suspend(() => {
                  if (current !== conn) return Effect.void
                  current = undefined
                  return closed ? Effect.void : latch.close
                })
              )
              current = conn
              yield* latch.open
              // toSocket runs the handler's effects in fibers of their own, bounded: backpressure.
              return yield* toSocket(conn).run(handler, opts)
            })
          )
      )

    const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> =>
      Effect.suspend(function loop(): Effect.Effect<void, Socket.SocketError> {
        if (closed) return Effect.fail(writeError(closedError()))
        // Bound to the connection current now: if its run ends first, the write fails rather than moving on.
        if (current !== undefined) return platformWrite(current, chunk)
        return Effect.zipRight(latch.await, Effect.suspend(loop))
      })

    return Socket.Socket.of({
      [Socket.TypeId]: Socket.TypeId,
      run,
      runRaw: run,
      // As the platform's: releasing the writer half-closes the current connection, if any.
      writer: Effect.acquireRelease(
        Effect.succeed(write),
        () => Effect.suspend(() => current === undefined ? Effect.void : endInBackground(current))
      )
    })
  })
