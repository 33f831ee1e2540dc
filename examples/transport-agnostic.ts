/**
 * One program, three transports. The program asks for a `Transport` and never
 * says which: the same code runs over TCP, a Unix socket, and in-process
 * pairs whose bytes are cut into 1-byte pieces (the worst fragmentation TCP
 * could ever deliver).
 *
 *   npm run example examples/transport-agnostic.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Stream } from "effect"
import { Framing, Transport, Utf8 } from "effect-net"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const lines = Framing.lines({ maxFrameLength: 1024 })

// The server counts the words of each line; the client sends three lines and collects the counts.
const wordCount = Effect.gen(function*() {
  const transport = yield* Transport.Transport
  yield* transport.serve((connection) =>
    connection.read.pipe(
      lines.decode,
      Utf8.decodeFrames,
      Stream.map((line) => `${line.split(/\s+/).filter((word) => word.length > 0).length}`),
      Utf8.encode,
      lines.encode,
      Stream.run(connection.sink)
    )
  )
  const connection = yield* transport.connect
  yield* Stream.make("one", "two words", "größer als drei Wörter hier").pipe(
    Utf8.encode,
    lines.encode,
    Stream.run(connection.sink)
  )
  yield* connection.end
  return Chunk.toReadonlyArray(yield* connection.read.pipe(lines.decode, Utf8.decodeFrames, Stream.runCollect))
}).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-net-example-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const transports = [
    ["tcp", Transport.layerTcp({ port: 0 })],
    ["unix", Transport.layerUnix({ path: path.join(dir, "words.sock") })],
    ["memory (1-byte chunks)", Transport.layerMemory({ rechunk: Transport.fixedChunks(1) })]
  ] as const
  for (const [name, layer] of transports) {
    const counts = yield* Effect.provide(wordCount, layer)
    yield* Console.log(`${name}: word counts ${counts.join(", ")}`)
  }
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
