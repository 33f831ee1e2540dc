/**
 * A TCP echo server, the Effect way: every connection in its own fiber and
 * scope, a 30 s idle timeout, the peer's half-close answered (we echo what is
 * left, then close our side), a misbehaving connection logged without harming
 * the others, and a clean stop on Ctrl-C.
 *
 *   npm run example examples/echo-server.ts [port]     (default 9000)
 *   printf 'hello\n' | nc -N 127.0.0.1 9000
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { Address, Server } from "effect-net"

const port = Number(process.argv[2] ?? 9000)

const echo = Effect.gen(function*() {
  const server = yield* Server.serve(
    Address.tcp(port),
    (connection) =>
      Effect.gen(function*() {
        const peer = Address.format(connection.remoteAddress)
        yield* Console.log(`${peer} connected`)
        let bytes = 0
        // read -> sink: the bytes go back as they come; the stream ends on the peer's FIN
        yield* connection.read.pipe(
          Stream.tap((chunk) => Effect.sync(() => (bytes += chunk.length))),
          Stream.run(connection.sink)
        )
        yield* Console.log(`${peer} half-closed after ${bytes} bytes; echoed them all`)
        // returning closes the connection gracefully: flush, FIN, wait for the peer
      }),
    { idleTimeout: "30 seconds" }
  )
  yield* Console.log(`echo server listening on ${Address.format(server.address)} (Ctrl-C stops it)`)
  yield* Effect.addFinalizer(() => Console.log("echo server stopped"))
  return yield* Effect.never
})

NodeRuntime.runMain(Layer.launch(Layer.scopedDiscard(echo)))
