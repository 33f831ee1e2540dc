import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Connection from "../../src/Connection.js"
import * as Framing from "../../src/Framing.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"
import { maxHandlersInFlight } from "../../src/internal/socket/connection.js"
import { mib, peersDir, rawConnect, readAll, sendUntilClosed, spawn, tempDir, timed } from "../peers/support.js"

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
      let made = 0
      let madeWhileIdle = -1
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.zipRight(
          // the peer reads nothing for 1.5 s after it connects: count what was made in its first second
          Effect.fork(Effect.delay(Effect.sync(() => (madeWhileIdle = made)), "1 second")),
          // One fresh, written-to buffer per pull (Stream.range's default chunk would make all 256 at once, and
          // pages never written to need not count in RSS): without backpressure every one of them is held at once.
          Stream.range(1, 256, 1).pipe(
            Stream.map(() => {
              made++
              return new Uint8Array(mib).fill(0x5a)
            }),
            Stream.run(conn.sink)
          )
        ))
      const monitor = yield* rssMonitor
      const [out, ms] = yield* timed(Effect.flatMap(spawn(process.execPath, ["-e", slowReader, portOf(server.address)]), (child) => child.exit))
      const growth = monitor.growth()
      console.log(
        `[rss] outbound 256 MiB to a peer idle 1.5 s: ${madeWhileIdle} MiB made in its first second; RSS grew ${
          (growth / mib).toFixed(1)
        } MiB (garbage not yet collected included); ${ms.toFixed(0)} ms`
      )
      expect(out).toBe(String(256 * mib))
      // -1: the handler was done within a second, which only a sink that never waits for 'drain' can be
      expect(madeWhileIdle).toBeGreaterThanOrEqual(0)
      // the kernel's buffers for one loopback connection here: up to 4 MiB to send, 32 MiB to receive
      expect(madeWhileIdle).toBeLessThan(48)
      expect(growth).toBeLessThan(128 * mib)
    }), { timeout: 30_000 })

  it.scopedLive("@effect/platform: Client.layerSocket exchanges data with Server.layerSocketServer; a write before run waits for run's connection", () =>
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
      const running = yield* Effect.scoped(Effect.gen(function*() {
        const write = yield* socket.writer
        // A write before run waits for the connection run opens (as with the platform's NodeSocket.makeNet).
        const early = yield* Effect.fork(write("hello "))
        yield* Effect.sleep("50 millis")
        expect(early.unsafePoll()).toBeNull()
        const running = yield* Effect.fork(socket.run((data) => {
          received.push(data)
        }))
        yield* Fiber.join(early).pipe(Effect.timeout("5 seconds"))
        yield* write(encode("platform"))
        return running
      })) // releasing the writer half-closes: the server echoes what it read, then ends
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

describe("Client.layerSocket: a fresh connection per run, as the platform's NodeSocket.layerNet", () => {
  const socketOf = (layer: Layer.Layer<Socket.Socket>) => Effect.map(Layer.build(layer), Context.get(Socket.Socket))

  /** What one run received, as text. */
  const runOnce = (socket: Socket.Socket) =>
    Effect.gen(function*() {
      const got: Array<Uint8Array> = []
      yield* socket.run((bytes) => {
        got.push(bytes)
      }).pipe(Effect.timeout("5 seconds"))
      return Buffer.concat(got).toString()
    })

  it.scopedLive("each run opens its own connection: the server sees 2, both runs get data (like NodeSocket.layerNet)", () =>
    Effect.gen(function*() {
      let accepted = 0
      const server = yield* Server.serve(Address.tcp(0), (conn) => Effect.zipRight(Effect.sync(() => accepted++), conn.write("hi")))
      const socket = yield* socketOf(Client.layerSocket(server.address))
      expect(accepted).toBe(0)
      const ours = [yield* runOnce(socket), yield* runOnce(socket)]
      expect(ours).toEqual(["hi", "hi"])
      expect(accepted).toBe(2)

      accepted = 0
      const platform = Context.get(
        yield* Layer.build(NodeSocket.layerNet({ host: "127.0.0.1", port: Number(portOf(server.address)) })),
        Socket.Socket
      )
      const theirs: Array<string> = []
      for (let i = 0; i < 2; i++) {
        yield* platform.run((bytes) => {
          theirs.push(Buffer.from(bytes).toString())
        }).pipe(Effect.either, Effect.timeout("5 seconds"))
      }
      expect(theirs).toEqual(ours)
      expect(accepted).toBe(2)
    }))

  it.scopedLive("a run after the server restarted on the same Unix path connects to the new server", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const address = Address.unix(Path.join(dir, "restart.sock"))
      const serveIn = (reply: string) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          yield* Server.serve(address, (conn) => conn.write(reply)).pipe(Scope.extend(scope))
          return scope
        })
      const socket = yield* socketOf(Client.layerSocket(address))

      const first = yield* serveIn("first")
      expect(yield* runOnce(socket)).toBe("first")
      yield* Scope.close(first, Exit.void)

      const down = yield* Effect.flip(socket.run(() => {}))
      expect(down).toBeInstanceOf(Socket.SocketGenericError)
      expect(down).toMatchObject({ reason: "Open" })

      const second = yield* serveIn("second")
      expect(yield* runOnce(socket)).toBe("second")
      yield* Scope.close(second, Exit.void)
    }))

  it.scopedLive("the writer writes to the current run's connection; between runs a write waits for the next one", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const server = yield* Server.serve(
        Address.tcp(0),
        (conn) => Effect.flatMap(readAll(conn), (data) => Effect.sync(() => seen.push(data.toString())))
      )
      const socket = yield* socketOf(Client.layerSocket(server.address))
      // Acquired before any run, used across both.
      const write = yield* socket.writer

      const first = yield* Effect.fork(socket.run(() => {}))
      yield* write("one")
      yield* write(new Socket.CloseEvent())
      yield* Fiber.join(first).pipe(Effect.timeout("5 seconds"))
      expect(seen).toEqual(["one"])

      const pending = yield* Effect.fork(write("two"))
      yield* Effect.sleep("50 millis")
      expect(pending.unsafePoll()).toBeNull()
      const second = yield* Effect.fork(socket.run(() => {}))
      yield* Fiber.join(pending).pipe(Effect.timeout("5 seconds"))
      yield* write(new Socket.CloseEvent())
      yield* Fiber.join(second).pipe(Effect.timeout("5 seconds"))
      expect(seen).toEqual(["one", "two"])
    }))

  /** `bytes` sent by a memory peer as one piece per byte (each its own handler call), then its FIN. */
  const memorySocket = (bytes: number) =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ rechunk: Transport.fixedChunks(1) })
      yield* transport.serve((conn) => conn.write("x".repeat(bytes)))
      return Connection.toSocket(yield* transport.connect)
    })

  it.scopedLive("handler effects run in fibers of their own: one that waits does not hold up the input behind it", () =>
    Effect.gen(function*() {
      const socket = yield* memorySocket(10)
      const release = yield* Deferred.make<void>()
      let calls = 0
      let done = 0
      const run = yield* Effect.fork(socket.run((data) => {
        // the handler is called in order; the first piece's effect waits until released
        const first = calls++ === 0
        return Effect.zipRight(first ? Deferred.await(release) : Effect.void, Effect.sync(() => void (done += data.byteLength)))
      }))
      // the other nine pieces are handled while the first effect waits
      for (let i = 0; i < 100 && done < 9; i++) yield* Effect.sleep("20 millis")
      expect([calls, done]).toStrictEqual([10, 9])
      // the end of input (the peer's FIN came after its bytes) waits for the unfinished effect
      yield* Effect.sleep("100 millis")
      expect(run.unsafePoll()).toBeNull()
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(run).pipe(Effect.timeout("2 seconds"))
      expect(done).toBe(10)
    }))

  it.scopedLive(`at most ${maxHandlersInFlight} handler effects unfinished: then reading waits (backpressure)`, () =>
    Effect.gen(function*() {
      const socket = yield* memorySocket(2 * maxHandlersInFlight)
      const release = yield* Deferred.make<void>()
      let calls = 0
      const run = yield* Effect.fork(socket.run(() => {
        calls++
        return Deferred.await(release)
      }))
      for (let i = 0; i < 100 && calls < maxHandlersInFlight; i++) yield* Effect.sleep("20 millis")
      yield* Effect.sleep("100 millis") // time for more, were reading not waiting
      expect(calls).toBe(maxHandlersInFlight)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(run).pipe(Effect.timeout("2 seconds"))
      expect(calls).toBe(2 * maxHandlersInFlight)
    }))

  it.scopedLive("a CloseEvent closes the connection: what was written first arrives, run ends, a peer that keeps sending is cut off", () =>
    Effect.gen(function*() {
      let runEnded = false
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          const socket = Connection.toSocket(conn)
          const write = yield* socket.writer
          yield* socket.run(() => Effect.zipRight(write("bye"), write(new Socket.CloseEvent())))
          runEnded = true
        }))
      const peer = yield* rawConnect(server.address)
      peer.socket.write("hi")
      // the peer never stops sending on its own: only our close ends the connection
      const start = performance.now()
      expect(yield* sendUntilClosed(peer)).toBe(true)
      expect(performance.now() - start).toBeLessThan(2500) // closeTimeout (500 ms) after the FIN, with room for a loaded machine
      expect(peer.received().toString()).toBe("bye")
      expect(runEnded).toBe(true)
    }))

  it.scopedLive("a handler effect that fails after the end of input still fails the run", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) => Effect.zipRight(conn.write("x"), Effect.sleep("30 millis")))
      const socket = yield* socketOf(Client.layerSocket(server.address))
      // the FIN comes at ~30 ms; the effect fails at ~60 ms, the last one unfinished
      const exit = yield* socket.run(() => Effect.zipRight(Effect.sleep("60 millis"), Effect.fail("boom" as const))).pipe(
        Effect.timeout("5 seconds"),
        Effect.exit
      )
      expect(exit).toStrictEqual(Exit.fail("boom"))
    }))

  it.scopedLive("handler effects get the caller's Scope: their finalizers run when the caller's scope closes", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) => conn.write("x"))
      const socket = yield* socketOf(Client.layerSocket(server.address))
      const order: Array<string> = []
      yield* Effect.scoped(Effect.gen(function*() {
        yield* socket.run(() => Effect.addFinalizer(() => Effect.sync(() => void order.push("finalizer")))).pipe(
          Effect.timeout("5 seconds")
        )
        order.push("run returned")
      }))
      expect(order).toStrictEqual(["run returned", "finalizer"])
    }))

  it.scopedLive("the first handler effect to fail fails the run with its error and interrupts the others", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.zipRight(Effect.forEach(["a", "b"], (text) => Effect.zipRight(conn.write(text), Effect.sleep("50 millis")), {
          discard: true
        }), Stream.runDrain(conn.read)))
      const socket = yield* socketOf(Client.layerSocket(server.address))
      let interrupted = false
      const exit = yield* socket.run((data) =>
        new TextDecoder().decode(data) === "a"
          ? Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true)))
          : Effect.fail("b failed" as const)
      ).pipe(Effect.timeout("5 seconds"), Effect.exit)
      expect(exit).toStrictEqual(Exit.fail("b failed"))
      expect(interrupted).toBe(true)
    }))

  it.scopedLive("a refused connect fails run with Socket.SocketGenericError \"Open\" (as the platform's); building the layer cannot fail", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Server.serve(Address.tcp(0), () => Effect.void).pipe(Scope.extend(scope))
      yield* Scope.close(scope, Exit.void)

      const layer: Layer.Layer<Socket.Socket> = Client.layerSocket(server.address)
      const socket = yield* socketOf(layer)
      let opened = false
      const error = yield* Effect.flip(socket.run(() => {}, { onOpen: Effect.sync(() => (opened = true)) }))
      expect(opened).toBe(false)
      expect(error).toBeInstanceOf(Socket.SocketGenericError)
      expect(error).toMatchObject({ reason: "Open" })
      expect((error as Socket.SocketGenericError).cause).toBeInstanceOf(Client.ConnectError)
      expect((error as Socket.SocketGenericError).cause).toMatchObject({ code: "ECONNREFUSED" })

      const platform = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: Number(portOf(server.address)) })
      expect(yield* Effect.flip(platform.run(() => {}))).toMatchObject({ reason: "Open" })
    }))

  it.scopedLive("closing the layer's scope fails a write waiting for a connection, and any later run", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.void)
      const scope = yield* Scope.make()
      const socket = Context.get(
        yield* Layer.buildWithScope(Client.layerSocket(server.address), scope),
        Socket.Socket
      )
      const write = yield* socket.writer
      const waiting = yield* Effect.fork(write("never sent"))
      yield* Effect.sleep("50 millis")
      expect(waiting.unsafePoll()).toBeNull()
      yield* Scope.close(scope, Exit.void)
      const [error, ms] = yield* timed(Effect.flip(Fiber.join(waiting)).pipe(Effect.timeout("2 seconds")))
      expect(ms).toBeLessThan(1000)
      expect(error).toBeInstanceOf(Socket.SocketGenericError)
      expect(error).toMatchObject({ reason: "Write" })
      expect(yield* Effect.flip(socket.run(() => {}))).toMatchObject({ reason: "Open" })
    }))
})
