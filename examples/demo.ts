/**
 * The demo — a tour in a few seconds, no arguments:
 *
 * 1. one line protocol (the server upper-cases every line) over TCP, a Unix
 *    socket and the in-memory transport re-chunked to single bytes;
 * 2. typed JSON messages checked by a Schema, both ways, over TCP;
 * 3. what a misbehaving peer gets: a truncated frame, an oversized frame,
 *    invalid UTF-8, invalid JSON and a message that fails its schema — each
 *    shown with the bytes it sent and the typed error that came back.
 *
 *   npm run demo
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Schema, Stream } from "effect"
import { Address, Client, Framing, Message, Server, Transport, Utf8 } from "effect-net"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex").replace(/(..)(?!$)/g, "$1 ")

// ---- 1. the same line protocol over three transports ----

const lines = Framing.lines({ maxFrameLength: 1024 })

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
    return Chunk.toReadonlyArray(yield* connection.read.pipe(lines.decode, Utf8.decodeFrames, Stream.runCollect))
  }).pipe(Effect.scoped)

const transports = Effect.gen(function*() {
  yield* Console.log("1. one line protocol, three transports")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-net-demo-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const runs = [
    ["tcp 127.0.0.1", Transport.layerTcp({ port: 0 })],
    ["unix socket", Transport.layerUnix({ path: path.join(dir, "demo.sock") })],
    ["memory, 1-byte chunks", Transport.layerMemory({ rechunk: Transport.fixedChunks(1) })]
  ] as const
  for (const [name, layer] of runs) {
    const replies = yield* Effect.provide(upperCaseOverTheWire(["hello", "λ → ünïcödé 🚀", "bye"]), layer)
    yield* Console.log(`   ${name.padEnd(22)} ${JSON.stringify(replies)}`)
  }
}).pipe(Effect.scoped)

// ---- 2. and 3. typed messages, and a server that tells a bad peer what was wrong ----

const Request = Schema.Struct({ op: Schema.Literal("add", "mul"), a: Schema.Number, b: Schema.Number })
const Reply = Schema.Union(
  Schema.TaggedStruct("Result", { value: Schema.Number }),
  Schema.TaggedStruct("Error", { error: Schema.String })
)
const framer = Framing.lengthPrefixed({ maxFrameLength: 1024 })
const requests = Message.json(Request, { framer })
const replies = Message.json(Reply, { framer })

const calculator = Server.serve(Address.tcp(0), (connection) =>
  connection.read.pipe(
    requests.decode,
    Stream.map(({ a, b, op }) => ({ _tag: "Result" as const, value: op === "add" ? a + b : a * b })),
    // every failure is typed: answer with its tag and message, then close this connection
    Stream.catchAll((error) => Stream.make({ _tag: "Error" as const, error: `${error._tag}: ${summary(error.message)}` })),
    replies.encode,
    Stream.run(connection.sink)
  ))

/** A Schema error is a tree; its first and last lines say what and where. */
const summary = (text: string) => {
  const lines = text.split("\n")
  return lines.length === 1 ? text : `${lines[0]} … ${lines.at(-1)!.replace(/^[\s└─]+/, "")}`
}

/** Sends `wire` as is, half-closes, and returns the replies. */
const send = (server: Server.Server, wire: Uint8Array) =>
  Effect.gen(function*() {
    const connection = yield* Client.connect(server.address)
    yield* connection.write(wire)
    yield* connection.end
    return Chunk.toReadonlyArray(yield* connection.read.pipe(replies.decode, Stream.runCollect))
  }).pipe(Effect.scoped)

const frame = (body: Uint8Array | string, declared?: number) => {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body
  const out = new Uint8Array(4 + bytes.length)
  new DataView(out.buffer).setUint32(0, declared ?? bytes.length)
  out.set(bytes, 4)
  return out
}

const messages = Effect.gen(function*() {
  const server = yield* calculator
  yield* Console.log(`2. typed JSON messages (Schema-checked, 4-byte length prefix) on ${Address.format(server.address)}`)
  const wire = yield* Stream.make(
    { op: "add", a: 2, b: 40 } as const,
    { op: "mul", a: 6, b: 9 } as const
  ).pipe(requests.encode, Stream.runCollect)
  const answers = yield* send(server, Buffer.concat([...wire]))
  for (const answer of answers) yield* Console.log(`   ${JSON.stringify(answer)}`)

  yield* Console.log("3. a misbehaving peer gets a typed error, and the server goes on")
  const cases: ReadonlyArray<readonly [string, Uint8Array]> = [
    ["truncated frame", frame(`{"op":"add"`, 24)],
    ["declared 65535 bytes", frame("", 65535)],
    ["invalid UTF-8", frame(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]))],
    ["invalid JSON", frame(`{"op":`)],
    ["fails its schema", frame(`{"op":"div","a":1,"b":0}`)]
  ]
  for (const [name, bytes] of cases) {
    const [reply] = yield* send(server, bytes)
    yield* Console.log(`   ${name}\n     sent ${hex(bytes)}\n     got  ${reply?._tag === "Error" ? reply.error : JSON.stringify(reply)}`)
  }
  const [still] = yield* send(server, Buffer.concat([...(yield* Stream.make({ op: "add", a: 1, b: 1 } as const).pipe(requests.encode, Stream.runCollect))]))
  yield* Console.log(`   and a good request afterwards: ${JSON.stringify(still)}`)
}).pipe(Effect.scoped)

NodeRuntime.runMain(Effect.zipRight(transports, messages))
