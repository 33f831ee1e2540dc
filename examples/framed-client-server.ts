/**
 * Length-prefixed messages both ways: a 4-byte big-endian length, then the
 * bytes. The server answers each message with its bytes reversed; the client
 * sends a few (one of them 100 KiB, so it spans many TCP segments), reads the
 * answers, and both sides print what they saw.
 *
 *   npm run example examples/framed-client-server.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Stream } from "effect"
import { Address, Client, Framing, Server } from "effect-net"

const framer = Framing.lengthPrefixed({ maxFrameLength: 1024 * 1024 })
const text = new TextEncoder()

const program = Effect.gen(function*() {
  const server = yield* Server.serve(Address.tcp(0), (connection) =>
    connection.read.pipe(
      framer.decode,
      Stream.tap((frame) => Console.log(`server: got a frame of ${frame.length} bytes`)),
      Stream.map((frame) => frame.slice().reverse()),
      framer.encode,
      Stream.run(connection.sink)
    ))

  const connection = yield* Client.connect(server.address)
  const messages = [text.encode("hello"), text.encode(""), new Uint8Array(100 * 1024).fill(7), text.encode("bye")]
  yield* Stream.fromIterable(messages).pipe(framer.encode, Stream.run(connection.sink))
  yield* connection.end
  const answers = yield* connection.read.pipe(framer.decode, Stream.runCollect)
  for (const answer of answers) {
    const shown = answer.length <= 16 ? JSON.stringify(new TextDecoder().decode(answer)) : `${answer.length} bytes`
    yield* Console.log(`client: answer ${shown}`)
  }
  yield* Console.log(`client: ${Chunk.size(answers)} answers for ${messages.length} messages`)
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
