/**
 * Hostile peers against a length-prefixed echo server, while a well-behaved
 * client keeps echoing on the same server: its round trips must go on, each
 * under a second. The server's handlers record the `_tag` of what stopped
 * them, so the typed errors can be asserted.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Net from "node:net"
import { Address, Client, type Connection, Framing, Server, Utf8 } from "../../src/index.js"
import { closedWithin, eventually, memory, mib, quiet, rawConnect, spawnPeer, summary, tagOf } from "./support.js"

const framer = Framing.lengthPrefixed()
const idleTimeout = "1 second"
/**
 * The per-frame bound. effect-net has no such option or combinator yet (issue
 * 10 asks for one, with a typed `FrameTimeoutError`); until then the handler
 * bounds the wait for each frame itself with `Stream.timeoutFail`, which is
 * what this test exercises. Swap in the library's bound when it exists.
 */
const frameTimeoutMillis = 3_000

class FrameTimeout {
  readonly _tag = "FrameTimeout"
}

/** What stopped each handler, by `_tag`, in order. */
const makeServer = (frameBound: boolean) => Effect.gen(function*() {
  const stopped: Array<string> = []
  const chunkSizes = { chunks: 0, bytes: 0 }
  const handler = (conn: Connection.Connection) =>
    conn.read.pipe(
      Stream.mapChunks((chunk) => {
        for (const c of chunk) (chunkSizes.chunks++, chunkSizes.bytes += c.length)
        return chunk
      }),
      framer.decode,
      frameBound ? Stream.timeoutFail(() => new FrameTimeout(), frameTimeoutMillis) : (frames) => frames,
      framer.encode,
      Stream.run(conn.sink),
      Effect.tapError((e) => Effect.sync(() => stopped.push(tagOf(e))))
    )
  const server = yield* Server.serve(Address.tcp(0), handler, { idleTimeout })
  return { server, stopped, chunkSizes }
})

/** A client echoing a 64-byte frame every 25 ms until `stop`; collects latencies. */
const wellBehaved = (address: Address.Address) =>
  Effect.gen(function*() {
    const conn = yield* Client.connect(address)
    const frame = new Uint8Array(64).fill(1)
    const latencies: Array<number> = []
    const replies = yield* Stream.toPull(framer.decode(conn.read))
    const loop = Effect.gen(function*() {
      while (true) {
        const wire = framer.encodeFrame(frame)
        if (wire._tag === "Left") return
        const start = performance.now()
        yield* conn.write(wire.right)
        let got = 0
        while (got < 1) got += (yield* replies).length
        latencies.push(performance.now() - start)
        yield* Effect.sleep(25)
      }
    })
    const fiber = yield* Effect.fork(loop)
    return {
      count: Effect.sync(() => latencies.length),
      stop: Effect.gen(function*() {
        yield* Fiber.interrupt(fiber)
        const exit = fiber.unsafePoll()
        const failed = exit !== null && exit._tag === "Failure" && !exit.cause.toString().includes("interrupt")
        return { roundTrips: latencies.length, maxLatencyMillis: Math.max(0, ...latencies), failed }
      })
    }
  })

/** Runs `attack` with a well-behaved client alongside, asserts the client was undisturbed. */
type Figures = Record<string, string | number | boolean>

const undisturbed = <E>(
  name: string,
  attack: (env: Effect.Effect.Success<ReturnType<typeof makeServer>>) => Effect.Effect<Figures, E, Scope.Scope>,
  { frameBound = true }: { readonly frameBound?: boolean } = {}
) =>
  quiet(Effect.gen(function*() {
    const env = yield* makeServer(frameBound)
    const client = yield* wellBehaved(env.server.address)
    const rss0 = memory().rss
    const start = performance.now()
    const figures = yield* attack(env)
    // The echo must go on after the attack too, not only during it.
    const during = yield* client.count
    yield* Effect.sleep(500)
    const echo = yield* client.stop
    yield* summary(`hostile ${name}`, {
      ...figures,
      seconds: ((performance.now() - start) / 1000).toFixed(1),
      handlersStopped: env.stopped.join("|") || "none",
      echoRoundTrips: echo.roundTrips,
      echoMaxLatencyMillis: echo.maxLatencyMillis.toFixed(0),
      rssDeltaMiB: ((memory().rss - rss0) / mib).toFixed(1)
    })
    expect(echo.failed).toBe(false)
    expect(echo.roundTrips).toBeGreaterThan(during)
    expect(echo.maxLatencyMillis).toBeLessThan(1_000)
    return figures
  }))

const header = (length: number) => {
  const h = Buffer.alloc(4)
  h.writeUInt32BE(length)
  return h
}

const send = (socket: Net.Socket, bytes: Uint8Array) =>
  Effect.async<void>((resume) => void socket.write(bytes, () => resume(Effect.void)))

const closedWithinMillis = (socket: Net.Socket, withinMillis: number) =>
  Effect.map(
    Effect.all([Effect.sync(() => performance.now()), closedWithin(socket, withinMillis)]),
    ([start, closed]) => ({ closed, afterMillis: Math.round(performance.now() - start) })
  )

describe("stress: hostile peers (a well-behaved client echoes throughout)", () => {
  it.scopedLive("slowloris: half a header, then silence; the idle timeout closes it", () =>
    undisturbed("slowloris", ({ server, stopped }) =>
      Effect.gen(function*() {
        const socket = yield* rawConnect(server.address)
        yield* send(socket, header(100).subarray(0, 2))
        const { afterMillis, closed } = yield* closedWithinMillis(socket, 4_000)
        yield* eventually(() => stopped.length > 0, 1_000)
        expect(closed).toBe(true)
        expect(stopped).toEqual(["IdleTimeoutError"])
        return { closed, closedAfterMillis: afterMillis }
      })), 30_000)

  it.scopedLive("the drip: one byte every 900 ms of a frame that never completes; the per-frame bound closes it", () =>
    undisturbed("drip", ({ server, stopped }) =>
      Effect.gen(function*() {
        const socket = yield* rawConnect(server.address)
        yield* send(socket, header(100))
        const start = performance.now()
        let dripped = 0
        // Bounded: 10 drips (9 s) at most; the frame bound (3 s) should end it after about 4.
        while (!socket.destroyed && !socket.readableEnded && dripped < 10) {
          const { closed } = yield* closedWithinMillis(socket, 900)
          if (closed) break
          if (socket.writable) socket.write(new Uint8Array([0x61]))
          dripped++
        }
        const { closed } = yield* closedWithinMillis(socket, 1_000)
        yield* eventually(() => stopped.length > 0, 1_000)
        expect(closed).toBe(true)
        expect(stopped).toEqual(["FrameTimeout"])
        return { closed, dripped, closedAfterMillis: Math.round(performance.now() - start) }
      })), 30_000)

  it.scopedLive("a declared 4 GiB length: FrameTooLargeError on the header, nothing allocated", () =>
    undisturbed("4 GiB length", ({ server, stopped }) =>
      Effect.gen(function*() {
        const before = memory()
        const socket = yield* rawConnect(server.address)
        socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]))
        socket.write(Buffer.alloc(mib, 0x62))
        const { closed } = yield* closedWithinMillis(socket, 3_000)
        yield* eventually(() => stopped.length > 0, 1_000)
        const after = memory()
        const rssDelta = after.rss - before.rss
        expect(closed).toBe(true)
        expect(stopped).toEqual(["FrameTooLargeError"])
        expect(rssDelta).toBeLessThan(32 * mib)
        return { closed, rssGrowthMiB: (rssDelta / mib).toFixed(1) }
      })), 30_000)

  it.scopedLive("10,000 one-byte writes of a frame: echoed intact", () =>
    undisturbed("10,000 one-byte writes", ({ server, stopped }) =>
      Effect.gen(function*() {
        const socket = yield* rawConnect(server.address)
        socket.setNoDelay(true)
        const body = Buffer.alloc(10_000 - 4)
        for (let i = 0; i < body.length; i++) body[i] = i % 251
        const wire = Buffer.concat([header(body.length), body])
        const received: Array<Buffer> = []
        socket.on("data", (d: Buffer) => received.push(d))
        for (let i = 0; i < wire.length; i += 100) {
          for (let j = i; j < Math.min(i + 100, wire.length); j++) socket.write(wire.subarray(j, j + 1))
          yield* Effect.promise(() => new Promise((k) => setImmediate(k)))
        }
        const complete = yield* eventually(() => Buffer.concat(received).length >= wire.length, 10_000)
        const echoed = Buffer.concat(received)
        expect(complete).toBe(true)
        expect(echoed.equals(wire)).toBe(true)
        expect(stopped).toEqual([])
        return { writes: wire.length, echoedBytes: echoed.length }
      })), 60_000)

  it.scopedLive("reset mid-frame: the handler stops with ReadError", () =>
    undisturbed("reset mid-frame", ({ server, stopped }) =>
      Effect.gen(function*() {
        const socket = yield* rawConnect(server.address)
        yield* send(socket, Buffer.concat([header(100), Buffer.alloc(10)]))
        yield* Effect.sleep(50)
        socket.resetAndDestroy()
        const seen = yield* eventually(() => stopped.length > 0, 2_000)
        expect(seen).toBe(true)
        expect(stopped).toEqual(["ReadError"])
        return { stoppedBy: stopped[0] ?? "none" }
      })), 30_000)

  it.scopedLive("a never-reading client while the server writes 256 MiB: server memory bounded", () =>
    undisturbed("never-reading client", () =>
      Effect.gen(function*() {
        const total = 256 * mib
        const piece = new Uint8Array(64 * 1024).fill(0x63)
        let written = 0
        let stoppedBy = "running"
        const writer = yield* Server.serve(Address.tcp(0), (conn) =>
          Effect.gen(function*() {
            // One buffer for every write: writes are not copied, and nothing changes it.
            while (written < total) {
              yield* conn.write(piece)
              written += piece.length
            }
          }).pipe(Effect.tapError((e) => Effect.sync(() => (stoppedBy = tagOf(e))))))
        const before = memory()
        const socket = yield* rawConnect(writer.address)
        socket.pause()
        yield* Effect.sleep(2_000)
        const during = memory()
        const writtenWhileBlocked = written
        socket.destroy()
        yield* eventually(() => stoppedBy !== "running", 3_000)
        const rssDelta = during.rss - before.rss
        expect(writtenWhileBlocked).toBeLessThan(32 * mib)
        expect(rssDelta).toBeLessThan(64 * mib)
        expect(["WriteError", "SocketClosedError"]).toContain(stoppedBy)
        return {
          askedMiB: total / mib,
          acceptedWhileBlockedMiB: (writtenWhileBlocked / mib).toFixed(1),
          serverRssGrowthMiB: (rssDelta / mib).toFixed(1),
          writerStoppedBy: stoppedBy
        }
      })), 30_000)

  it.scopedLive("invalid UTF-8 on a text protocol: the lines before it are answered, then InvalidUtf8Error", () =>
    undisturbed("invalid UTF-8", () =>
      Effect.gen(function*() {
        const lines = Framing.lines()
        let stoppedBy = "none"
        const text = yield* Server.serve(Address.tcp(0), (conn) =>
          conn.read.pipe(
            lines.decode,
            Utf8.decodeFrames,
            Stream.map((line) => new TextEncoder().encode(line.toUpperCase())),
            lines.encode,
            Stream.run(conn.sink),
            Effect.tapError((e) => Effect.sync(() => (stoppedBy = tagOf(e))))
          ), { idleTimeout })
        const socket = yield* rawConnect(text.address)
        const received: Array<Buffer> = []
        socket.on("data", (d: Buffer) => received.push(d))
        socket.write(Buffer.concat([Buffer.from("héllo\n"), Buffer.from([0x61, 0xff, 0xfe, 0x0a]), Buffer.from("more\n")]))
        const { closed } = yield* closedWithinMillis(socket, 3_000)
        yield* eventually(() => stoppedBy !== "none", 1_000)
        expect(closed).toBe(true)
        expect(stoppedBy).toBe("InvalidUtf8Error")
        expect(Buffer.concat(received).toString()).toBe("HÉLLO\n")
        return { answered: JSON.stringify(Buffer.concat(received).toString()), stoppedBy }
      })), 30_000)

  it.scopedLive(
    "1-byte segments of unfinished frames from another process: < 2 bytes held per pending byte",
    () =>
      undisturbed("1-byte segments", ({ chunkSizes, server }) =>
        Effect.gen(function*() {
          // No per-frame bound here: under load sending the bytes can take longer than it.
          const connections = 4
          const bytesEach = 128 * 1024
          const fixedPerConnection = 64 * 1024
          const port = server.address._tag === "TcpAddress" ? server.address.port : 0
          const before = memory()
          const chunks0 = chunkSizes.chunks
          const bytes0 = chunkSizes.bytes
          const peer = yield* spawnPeer("segments.mjs", [String(port), String(connections), String(bytesEach)])
          yield* peer.line("done", 60_000)
          const pending = connections * bytesEach
          // Everything sent has been read into the framer (reads are pulled while the frame is incomplete).
          yield* eventually(() => chunkSizes.bytes - bytes0 >= pending + 4 * connections, 10_000)
          const after = memory()
          const held = after.heapAndBuffers - before.heapAndBuffers
          const perByte = (held - connections * fixedPerConnection) / pending
          const chunks = chunkSizes.chunks - chunks0
          peer.process.kill("SIGKILL")
          const figures = {
            gcExposed: after.gcExposed,
            connections,
            pendingBytes: pending,
            readChunks: chunks,
            meanChunkBytes: ((chunkSizes.bytes - bytes0) / chunks).toFixed(2),
            heldMiB: (held / mib).toFixed(1),
            bytesHeldPerPendingByte: perByte.toFixed(1),
            rssGrowthMiB: ((after.rss - before.rss) / mib).toFixed(1)
          }
          yield* summary("1-byte segments (measurement)", figures)
          expect(after.gcExposed).toBe(true)
          // Tiny chunks (<= 64 bytes on average: the kernel merges what arrives while the receiver is busy), or this does not test what it says.
          expect(chunks).toBeGreaterThan(pending / 64)
          expect(perByte).toBeLessThan(2)
          return figures
        }), { frameBound: false }),
    120_000
  )
})
