import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Path from "node:path"
import * as Address from "../src/Address.js"
import * as Client from "../src/Client.js"
import * as Connection from "../src/Connection.js"
import * as Framing from "../src/Framing.js"
import * as Server from "../src/Server.js"
import { mib, peersDir, rawConnect, spawn, tempDir, timed } from "./peers/support.js"

const encode = (text: string) => new TextEncoder().encode(text)

/** Peak resident set size of this process while it runs, sampled every 10 ms. */
const rssMonitor = Effect.acquireRelease(
  Effect.sync(() => {
    const base = process.memoryUsage.rss()
    const state = { base, peak: base }
    const timer = setInterval(() => {
      state.peak = Math.max(state.peak, process.memoryUsage.rss())
    }, 10)
    return {
      growth: () => {
        state.peak = Math.max(state.peak, process.memoryUsage.rss())
        return state.peak - state.base
      },
      timer
    }
  }),
  ({ timer }) => Effect.sync(() => clearInterval(timer))
)

/** Writes 256 MiB as fast as the socket drains, half-closes, prints what comes back. */
const fastSender = `
const net = require("net")
const s = net.connect({ port: +process.argv[1], host: "127.0.0.1" }, () => {
  const block = Buffer.alloc(1 << 20, 1)
  let n = 0
  const go = () => {
    while (n < 256) {
      n++
      if (!s.write(block)) return s.once("drain", go)
    }
    s.end()
  }
  go()
})
let out = ""
s.on("data", (d) => (out += d))
s.on("end", () => process.stdout.write(out))
s.on("error", (e) => { console.error(e); process.exit(1) })
`

/** Reads nothing for 1.5 s, then everything; prints the byte count at EOF. */
const slowReader = `
const net = require("net")
const s = net.connect({ port: +process.argv[1], host: "127.0.0.1" })
s.pause()
let n = 0
s.on("data", (d) => (n += d.length))
setTimeout(() => s.resume(), 1500)
s.on("end", () => { process.stdout.write(String(n)); s.end() })
s.on("error", (e) => { console.error(e); process.exit(1) })
`

const portOf = (address: Address.Address) => String(address._tag === "TcpAddress" ? address.port : 0)

describe("interop", () => {
  for (const transport of ["tcp", "unix"] as const) {
    it.scopedLive(`a CPython client over ${transport} sends frames a byte at a time, half-closes and reads the echo`, () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const framer = Framing.lengthPrefixed()
        const frames: Array<number> = []
        const server = yield* Server.serve(
          transport === "tcp" ? Address.tcp(0) : Address.unix(Path.join(dir, "py.sock")),
          (conn) =>
            conn.read.pipe(
              framer.decode,
              Stream.tap((frame) => Effect.sync(() => frames.push(frame.byteLength))),
              framer.encode,
              Stream.run(conn.sink)
            )
        )
        const args = server.address._tag === "TcpAddress"
          ? ["tcp", server.address.hostname, String(server.address.port)]
          : ["unix", server.address.path]
        const python = yield* spawn("python3", [Path.join(peersDir, "frame_client.py"), ...args])
        const out = yield* python.exit.pipe(Effect.timeout("15 seconds"))
        expect(out.trim()).toMatch(/^ok 41 \d+$/)
        expect(frames).toHaveLength(41)
      }))
  }

  it.scopedLive("backpressure in: 256 MiB sent to a handler that does not read for 2 s (platform: unbounded mailbox)", () =>
    Effect.gen(function*() {
      let idleGrowth = 0
      const monitor = yield* rssMonitor
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          yield* Effect.sleep("2 seconds")
          idleGrowth = monitor.growth()
          const n = yield* Stream.runFold(conn.read, 0, (n, bytes) => n + bytes.byteLength)
          yield* conn.write(String(n))
        }))
      const [out, ms] = yield* timed(Effect.flatMap(spawn(process.execPath, ["-e", fastSender, portOf(server.address)]), (child) => child.exit))
      const growth = monitor.growth()
      console.log(
        `[rss] inbound 256 MiB, handler idle 2 s: RSS grew ${(idleGrowth / mib).toFixed(1)} MiB while idle, ${
          (growth / mib).toFixed(1)
        } MiB peak including the read; ${ms.toFixed(0)} ms`
      )
      expect(out).toBe(String(256 * mib))
      expect(growth).toBeLessThan(64 * mib)
    }), { timeout: 30_000 })

  it.scopedLive("backpressure out: a handler writes 256 MiB to a peer that reads slowly (platform: never waits for 'drain')", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Stream.range(1, 256).pipe(
          // Fresh buffers: without backpressure every one of them would be held at once.
          Stream.map(() => new Uint8Array(mib)),
          Stream.run(conn.sink)
        ))
      const monitor = yield* rssMonitor
      const [out, ms] = yield* timed(Effect.flatMap(spawn(process.execPath, ["-e", slowReader, portOf(server.address)]), (child) => child.exit))
      const growth = monitor.growth()
      console.log(`[rss] outbound 256 MiB to a peer idle 1.5 s: RSS grew ${(growth / mib).toFixed(1)} MiB; ${ms.toFixed(0)} ms`)
      expect(out).toBe(String(256 * mib))
      expect(growth).toBeLessThan(64 * mib)
    }), { timeout: 30_000 })

  it.scopedLive("@effect/platform: Client.layerSocket exchanges data with Server.layerSocketServer, writing before run (platform: hangs)", () =>
    Effect.gen(function*() {
      const socketServer = Context.get(yield* Layer.build(Server.layerSocketServer(Address.tcp(0))), SocketServer.SocketServer)
      yield* Effect.forkScoped(socketServer.run((socket) =>
        Effect.scoped(Effect.gen(function*() {
          const write = yield* socket.writer
          yield* socket.run((data) => write(data))
        }))
      ))
      const socket = Context.get(yield* Layer.build(Client.layerSocket(socketServer.address)), Socket.Socket)
      const received: Array<Uint8Array> = []
      const write = yield* socket.writer
      // Writes before run: the platform's own socket hangs here.
      yield* write("hello ")
      const running = yield* Effect.fork(socket.run((data) => {
        received.push(data)
      }))
      yield* write(encode("platform"))
      yield* write(new Socket.CloseEvent())
      yield* Fiber.join(running).pipe(Effect.timeout("5 seconds"))
      expect(Buffer.concat(received).toString()).toBe("hello platform")
    }))

  it.scopedLive("@effect/platform: Socket.toChannel over Connection.toSocket, and the platform's NodeSocket client", () =>
    Effect.gen(function*() {
      const socketServer = Context.get(yield* Layer.build(Server.layerSocketServer(Address.tcp(0))), SocketServer.SocketServer)
      yield* Effect.forkScoped(socketServer.run((socket) =>
        Effect.scoped(Effect.gen(function*() {
          const write = yield* socket.writer
          yield* socket.run((data) => write(encode(new TextDecoder().decode(data).toUpperCase())))
        }))
      ))
      const conn = yield* Client.connect(socketServer.address)
      const viaConnection = yield* Stream.make(encode("a"), encode("b"), encode("c")).pipe(
        Stream.pipeThroughChannel(Socket.toChannel(Connection.toSocket(conn))),
        Stream.runCollect
      )
      expect(Buffer.concat(Chunk.toReadonlyArray(viaConnection)).toString()).toBe("ABC")

      const address = socketServer.address as SocketServer.TcpAddress
      const platformSocket = yield* NodeSocket.makeNet({ host: address.hostname, port: address.port })
      const viaPlatform = yield* Stream.make(encode("platform client")).pipe(
        Stream.pipeThroughChannel(Socket.toChannel(platformSocket)),
        Stream.runCollect
      )
      expect(Buffer.concat(Chunk.toReadonlyArray(viaPlatform)).toString()).toBe("PLATFORM CLIENT")
    }))

  it.scopedLive("@effect/platform: connections before run wait for it; scope close with one pending is prompt (platform: hangs)", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const socketServer = Context.get(
        yield* Layer.buildWithScope(Server.layerSocketServer(Address.tcp(0)), scope),
        SocketServer.SocketServer
      )
      const early = yield* rawConnect(socketServer.address)
      early.socket.write("early")
      yield* Effect.sleep("50 millis")
      const served = yield* Effect.forkIn(socketServer.run((socket) =>
        Effect.scoped(Effect.gen(function*() {
          const write = yield* socket.writer
          yield* socket.run((data) => write(data))
        }))
      ), scope)
      early.socket.end()
      expect((yield* early.ended).data.toString()).toBe("early")
      yield* Fiber.interrupt(served)

      const pending = yield* rawConnect(socketServer.address)
      yield* Effect.sleep("50 millis")
      const [, ms] = yield* timed(Scope.close(scope, Exit.void))
      console.log(`[shutdown] SocketServer scope with a connection pending before run: ${ms.toFixed(1)} ms`)
      expect(ms).toBeLessThan(1000)
      expect((yield* pending.ended).data.byteLength).toBe(0)
    }))
})
