/**
 * The server engine's shutdown, driven through a listener the test controls: a transport whose
 * `stop` does not stop at once (a TLS server finishing handshakes it accepted before `close` is one)
 * can still hand over connections while shutdown runs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Connection } from "../../src/Connection.js"
import type { Accept } from "../../src/internal/socket/endpoint.js"
import { endpointOptions } from "../../src/internal/socket/endpoint.js"
import { makeNetwork } from "../../src/internal/socket/memory.js"
import { serve } from "../../src/internal/socket/server.js"

describe("server shutdown", () => {
  it.scopedLive("a connection accepted while shutdown is in progress is destroyed, never handled", () =>
    Effect.gen(function*() {
      const options = endpointOptions({})
      const network = makeNetwork()
      const stopCalled = yield* Deferred.make<void>()
      // Stays registered with the network after `stop`, until the server's scope is gone.
      const listen = (accept: Accept) =>
        Effect.map(network.listen(options)(accept), (listener) => ({
          ...listener,
          stop: () => Deferred.unsafeDone(stopCalled, Exit.void)
        }))
      let handled = 0
      const busy = yield* Deferred.make<void>()
      const handler = (conn: Connection) =>
        Effect.gen(function*() {
          handled++
          yield* conn.read.pipe(Stream.take(1), Stream.runDrain)
          yield* Deferred.succeed(busy, undefined)
          // Mid-request (read, not answered): holds shutdown for the grace period.
          yield* Effect.sleep("300 millis")
          yield* conn.write("done")
        })
      const scope = yield* Scope.make()
      yield* Scope.extend(serve(listen, handler, { shutdownGracePeriod: "2 seconds" }), scope)
      const first = yield* network.connect(options)
      yield* first.write([new TextEncoder().encode("request")])
      yield* Deferred.await(busy)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Deferred.await(stopCalled)

      const late = yield* network.connect(options)
      // Its server side is gone: the peer reads EOF at once and its writes are refused.
      expect(yield* Effect.timeoutOption(Effect.flip(late.reader().pull), "100 millis")).toEqual(Option.some(Option.none()))
      const refused = yield* Effect.flip(late.write([new TextEncoder().encode("too late")]))
      expect(refused._tag).toBe("WriteError")
      expect(refused.message).toContain("EPIPE")
      yield* Fiber.join(closing)
      expect(handled).toBe(1)
      late.destroy()
      first.destroy()
    }))
})
