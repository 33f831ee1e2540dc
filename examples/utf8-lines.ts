/**
 * A line chat over TCP where text is text: every line is UTF-8, decoded
 * across TCP segments, so a character split between two segments arrives
 * whole. The first line a client sends is its name; every later line goes to
 * everyone else.
 *
 * ana sends "grüße aus Köln 👋" one byte per TCP segment; bob reads it intact.
 * mallory sends bytes that are not UTF-8: its handler gets a typed
 * `InvalidUtf8Error` with the offset, says goodbye and closes that one
 * connection; the chat goes on for the others.
 *
 *   npm run example examples/utf8-lines.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, PubSub, Queue, Stream } from "effect"
import { Address, Client, Framing, Server, Utf8 } from "effect-net"

const lines = Framing.lines({ maxFrameLength: 4096 })
const encodeLine = (line: string) => new TextEncoder().encode(`${line}\n`)

interface Said {
  readonly from: string
  readonly text: string
}

const chatServer = Effect.gen(function*() {
  const hub = yield* PubSub.unbounded<Said>()
  return yield* Server.serve(Address.tcp(0), (connection) =>
    Effect.gen(function*() {
      let name: string | undefined
      const inbox = yield* PubSub.subscribe(hub)
      yield* Effect.fork(
        Stream.fromQueue(inbox).pipe(
          Stream.filter((said) => said.from !== name),
          Stream.map((said) => encodeLine(`${said.from}: ${said.text}`)),
          Stream.run(connection.sink)
        )
      )
      yield* connection.write(encodeLine("welcome"))
      yield* connection.read.pipe(
        lines.decode,
        Utf8.decodeFrames,
        Stream.runForEach((line): Effect.Effect<unknown> =>
          name === undefined ? Effect.sync(() => (name = line)) : PubSub.publish(hub, { from: name, text: line })
        ),
        Effect.catchTag("InvalidUtf8Error", (error) =>
          Effect.gen(function*() {
            yield* Console.log(`server: ${name ?? "?"} sent ${error.message}; closing that connection only`)
            yield* connection.write(encodeLine(`bye: ${error.message}`))
          }))
      )
    }))
})

/** A chat client: lines it receives are queued so each step can wait for the next one. */
const join = (server: Server.Server, name: string) =>
  Effect.gen(function*() {
    const connection = yield* Client.connect(server.address, { noDelay: true })
    const received = yield* Queue.unbounded<string>()
    yield* Effect.forkScoped(
      connection.read.pipe(lines.decode, Utf8.decodeFrames, Stream.runForEach((line) => Queue.offer(received, line)))
    )
    yield* Queue.take(received) // "welcome": the server has subscribed us
    yield* connection.write(encodeLine(name))
    return { connection, next: Queue.take(received) }
  })

const main = Effect.gen(function*() {
  const server = yield* chatServer
  const ana = yield* join(server, "ana")
  const bob = yield* join(server, "bob")
  yield* Effect.sleep("50 millis") // let the server read both names

  // one byte per write, with Nagle off: the multi-byte characters are split across segments
  for (const byte of encodeLine("grüße aus Köln 👋")) {
    yield* ana.connection.write(Uint8Array.of(byte))
    yield* Effect.sleep("1 millis")
  }
  yield* Console.log(`bob received: ${yield* bob.next}`)

  const mallory = yield* join(server, "mallory")
  yield* mallory.connection.write(new Uint8Array([0x68, 0x69, 0xc3, 0x28, 0x0a])) // "hi", then C3 28: not UTF-8
  yield* Console.log(`mallory received: ${yield* mallory.next}`)

  yield* bob.connection.write(encodeLine("still here ✓"))
  yield* Console.log(`ana received: ${yield* ana.next}`)
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
