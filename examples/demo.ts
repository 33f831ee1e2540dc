/**
 * The demo: one line protocol — the server upper-cases every line — run over
 * TCP, a Unix socket and the in-memory transport re-chunked to single bytes,
 * then the framing errors a peer can cause, each a typed value.
 *
 *   npm run demo
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Either, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Framing, Transport, Utf8 } from "effect-net"

const lines = Framing.lines({ maxFrameLength: 1024 })

/** The protocol, written once against whatever transport is provided. */
const upperCaseOverTheWire = (messages: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const transport = yield* Transport.Transport
    yield* transport.serve((connection) =>
      connection.read.pipe(
        lines.decode,
        Utf8.decodeFrames,
        Stream.map((line) => line.toUpperCase()),
        Utf8.encode,
        lines.encode,
        Stream.run(connection.sink)
      )
    )
    const connection = yield* transport.connect
    yield* Stream.fromIterable(messages).pipe(Utf8.encode, lines.encode, Stream.run(connection.sink))
    yield* connection.end // half-close: the server still answers after our FIN
    const replies = yield* connection.read.pipe(lines.decode, Utf8.decodeFrames, Stream.runCollect)
    return Chunk.toReadonlyArray(replies)
  }).pipe(Effect.scoped)

const messages = ["hello", "λ → ünïcödé 🚀", "bye"]

const transports = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-net-demo-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const runs = [
    ["tcp 127.0.0.1", Transport.layerTcp({ port: 0 })],
    ["unix socket", Transport.layerUnix({ path: path.join(dir, "demo.sock") })],
    ["memory, 1-byte chunks", Transport.layerMemory({ rechunk: Transport.fixedChunks(1) })]
  ] as const
  for (const [name, layer] of runs) {
    const replies = yield* Effect.provide(upperCaseOverTheWire(messages), layer)
    yield* Console.log(`${name.padEnd(22)} ${JSON.stringify(replies)}`)
  }
}).pipe(Effect.scoped)

/** What a misbehaving peer gets: a typed error, after everything that was valid. */
const peerErrors = Effect.gen(function*() {
  const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, maxFrameLength: 1024 })
  const cases: ReadonlyArray<readonly [string, Array<Uint8Array>]> = [
    ["truncated frame", [new Uint8Array([0, 5, 0x68, 0x69])]],
    ["declared 65535 bytes", [new Uint8Array([0xff, 0xff])]],
    ["invalid UTF-8", [new Uint8Array([0, 3, 0x6f, 0x6b, 0xff])]]
  ]
  for (const [name, wire] of cases) {
    const result = yield* Stream.fromIterable(wire).pipe(framer.decode, Utf8.decodeFrames, Stream.runCollect, Effect.either)
    if (Either.isLeft(result)) yield* Console.log(`${name.padEnd(22)} ${result.left._tag}: ${result.left.message}`)
  }
})

NodeRuntime.runMain(Effect.zipRight(transports, peerErrors))
