/**
 * Typed request/response IPC between two processes over a Unix socket: a
 * task manager daemon (a child process this example starts) and a client
 * (this process). Every message is JSON checked by an Effect `Schema`,
 * length-prefixed on the wire, so a message that spans several `'data'`
 * events — here a 400 KB task title — arrives whole, and a message the
 * schema rejects is a typed error, not a crash.
 *
 *   npm run example examples/unix-ipc.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Schema, Stream } from "effect"
import { Address, Client, Message, Server } from "effect-net"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

// ---- the protocol: one schema for requests, one for responses ----

const Task = Schema.Struct({ id: Schema.Number, title: Schema.String, done: Schema.Boolean })

const Request = Schema.Union(
  Schema.TaggedStruct("Add", { title: Schema.String.pipe(Schema.maxLength(1_000_000)) }),
  Schema.TaggedStruct("Complete", { id: Schema.Number }),
  Schema.TaggedStruct("List", {})
)

const Response = Schema.Union(
  Schema.TaggedStruct("Added", { task: Task }),
  Schema.TaggedStruct("Completed", { task: Task }),
  Schema.TaggedStruct("NotFound", { id: Schema.Number }),
  Schema.TaggedStruct("Tasks", { tasks: Schema.Array(Task) }),
  Schema.TaggedStruct("Rejected", { reason: Schema.String })
)

const requests = Message.json(Request)
const responses = Message.json(Response)

// ---- the daemon ----

const daemon = (socketPath: string) =>
  Effect.gen(function*() {
    const tasks = new Map<number, typeof Task.Type>()
    const answer = (request: typeof Request.Type): typeof Response.Type => {
      switch (request._tag) {
        case "Add": {
          const task = { id: tasks.size + 1, title: request.title, done: false }
          tasks.set(task.id, task)
          return { _tag: "Added", task }
        }
        case "Complete": {
          const task = tasks.get(request.id)
          if (task === undefined) return { _tag: "NotFound", id: request.id }
          const done = { ...task, done: true }
          tasks.set(done.id, done)
          return { _tag: "Completed", task: done }
        }
        case "List":
          return { _tag: "Tasks", tasks: [...tasks.values()] }
      }
    }
    yield* Server.serve(Address.unix(socketPath), (connection) =>
      connection.read.pipe(
        requests.decode,
        Stream.map(answer),
        // a request the schema rejects: say why, then close this connection (the daemon goes on)
        Stream.catchTag("MessageDecodeError", (error) =>
          Stream.make({ _tag: "Rejected" as const, reason: `${error.reason}: ${error.message}` })),
        responses.encode,
        Stream.run(connection.sink)
      ))
    yield* Console.log(`daemon: serving on ${socketPath}`)
    return yield* Effect.never
  }).pipe(Effect.scoped)

// ---- the client ----

/** Sends requests on one connection, half-closes, and prints every response. */
const session = (socketPath: string, wire: Stream.Stream<Uint8Array, unknown>) =>
  Effect.gen(function*() {
    const connection = yield* Client.connect(Address.unix(socketPath))
    yield* wire.pipe(Stream.run(connection.sink))
    yield* connection.end
    yield* connection.read.pipe(
      responses.decode,
      Stream.runForEach((response) => Console.log(`client: ${describe(response)}`))
    )
  }).pipe(Effect.scoped)

const describe = (response: typeof Response.Type): string => {
  switch (response._tag) {
    case "Added":
    case "Completed":
      return `${response._tag} #${response.task.id} (${response.task.title.length} chars, done: ${response.task.done})`
    case "NotFound":
      return `NotFound #${response.id}`
    case "Tasks":
      return `Tasks [${response.tasks.map((task) => `#${task.id}${task.done ? " done" : ""}`).join(", ")}]`
    case "Rejected":
      return `Rejected: ${response.reason}`
  }
}

/** Starts this same file as the daemon in a child process and waits until it serves. */
const startDaemon = (socketPath: string) =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof spawn>>((resume) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "daemon", socketPath], {
        stdio: ["ignore", "pipe", "inherit"]
      })
      child.stdout.on("data", (data: Buffer) => {
        process.stdout.write(data)
        if (data.toString().includes("serving on")) resume(Effect.succeed(child))
      })
    }),
    (child) =>
      Effect.async<void>((resume) => {
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGINT") // the daemon's scope closes: connections, then the socket file
      })
  )

const client = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-net-ipc-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const socketPath = path.join(dir, "tasks.sock")
  yield* Effect.scoped(conversation(socketPath))
  yield* Console.log(`client: daemon stopped; socket file left behind: ${fs.existsSync(socketPath) ? "yes" : "no"}`)
}).pipe(Effect.scoped)

const conversation = (socketPath: string) => Effect.gen(function*() {
  yield* startDaemon(socketPath)

  const bigTitle = "✓ ".repeat(100_000) // 400 KB of UTF-8: many 'data' events on the daemon's side
  const wire = Stream.make(
    { _tag: "Add", title: "write the README" } as const,
    { _tag: "Add", title: bigTitle } as const,
    { _tag: "Complete", id: 1 } as const,
    { _tag: "Complete", id: 42 } as const,
    { _tag: "List" } as const
  ).pipe(requests.encode)
  yield* session(socketPath, wire)

  // a peer that speaks the framing but not the schema
  const bogus = new TextEncoder().encode(JSON.stringify({ _tag: "Delete", id: 1 }))
  const framed = new Uint8Array(4 + bogus.length)
  new DataView(framed.buffer).setUint32(0, bogus.length)
  framed.set(bogus, 4)
  yield* session(socketPath, Stream.make(framed))
  yield* session(socketPath, Stream.make({ _tag: "List" } as const).pipe(requests.encode))
})

const [mode, socketPath] = process.argv.slice(2)
NodeRuntime.runMain(mode === "daemon" && socketPath !== undefined ? daemon(socketPath) : client)
