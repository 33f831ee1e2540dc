import { describe, expect, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection, ReadFailure, WriteFailure } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"
import { makeEndpoint } from "../../src/internal/socket/nodeSocket.js"
import { readAll, tempDir, timed } from "../peers/support.js"

// Backpressure, drain and graceful close are held to the same behaviour over TCP, Unix and TLS in behaviour.test.ts.

const echoHandler = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

/** A bare node server on 127.0.0.1 whose sockets the test drives directly. */
const rawServer = (onSocket: (socket: Net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Net.Server; readonly address: Address.TcpAddress }>((resume) => {
      const server = Net.createServer({ allowHalfOpen: true }, onSocket)
      server.listen({ host: "127.0.0.1", port: 0 }, () => {
        const { port } = server.address() as Net.AddressInfo
        resume(Effect.succeed({ server, address: Address.tcp(port) }))
      })
    }),
    ({ server }) => Effect.sync(() => server.close())
  )

describe("Connection", () => {
  it.scopedLive("echoes over TCP and the read ends on the peer's FIN", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      const got = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address)
        yield* conn.write("hello, ")
        yield* conn.write(new TextEncoder().encode("world"))
        yield* conn.end
        return yield* readAll(conn)
      }))
      expect(got.toString()).toBe("hello, world")
    }))

  it.scopedLive("echoes over a Unix socket", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const server = yield* Server.serve(Address.unix(Path.join(dir, "echo.sock")), echoHandler)
      const got = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address)
        yield* conn.write("over unix")
        yield* conn.end
        return yield* readAll(conn)
      }))
      expect(got.toString()).toBe("over unix")
    }))

  it.scopedLive("localAddress and remoteAddress name both ends", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<Connection>()
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.zipRight(Deferred.succeed(seen, conn), Stream.runDrain(conn.read)))
      const conn = yield* Client.connect(server.address)
      const accepted = yield* Deferred.await(seen)
      expect(conn.remoteAddress).toEqual(server.address)
      expect(accepted.localAddress).toEqual(server.address)
      expect(accepted.remoteAddress).toEqual(conn.localAddress)
      expect(conn.localAddress._tag).toBe("TcpAddress")
    }))


  it.scopedLive("a pull hands over everything already received as one chunk", () =>
    Effect.gen(function*() {
      const sent = yield* Deferred.make<void>()
      const firstPull = yield* Deferred.make<Chunk.Chunk<Uint8Array>>()
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          yield* Deferred.await(sent)
          yield* Effect.sleep("50 millis")
          const first = yield* conn.read.pipe(Stream.chunks, Stream.take(1), Stream.runCollect)
          yield* Deferred.succeed(firstPull, Chunk.unsafeHead(first))
        }))
      const conn = yield* Client.connect(server.address, { noDelay: true })
      for (let i = 0; i < 100; i++) yield* conn.write("0123456789")
      yield* Deferred.succeed(sent, undefined)
      const chunk = yield* Deferred.await(firstPull)
      const bytes = Chunk.reduce(chunk, 0, (n, b) => n + b.byteLength)
      expect(bytes).toBe(1000)
    }))

  it.scopedLive("concurrent writes keep their order, including ones that wait for 'drain'", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      const conn = yield* Client.connect(server.address)
      const sizes = Array.from({ length: 200 }, (_, i) => (i % 20 === 0 ? 256 * 1024 : 1000 + i))
      const blocks = sizes.map((size, i) => new Uint8Array(size).fill(i % 251))
      const reader = yield* Effect.fork(readAll(conn))
      yield* Effect.forEach(blocks, (block) => conn.write(block), { concurrency: "unbounded", discard: true })
      yield* conn.end
      const got = yield* reader
      expect(got.equals(Buffer.concat(blocks))).toBe(true)
    }))

  it.scopedLive("sink writes a stream with backpressure and does not half-close", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      const conn = yield* Client.connect(server.address)
      const reader = yield* Effect.fork(readAll(conn))
      yield* Stream.range(0, 255).pipe(
        Stream.map((i) => new Uint8Array(16 * 1024).fill(i)),
        Stream.run(conn.sink)
      )
      yield* conn.write("tail")
      yield* conn.end
      const got = yield* reader
      expect(got.byteLength).toBe(256 * 16 * 1024 + 4)
      expect(got[16 * 1024 * 7]).toBe(7)
      expect(got.subarray(-4).toString()).toBe("tail")
    }))

  it.scopedLive("each connection has its own scope: a handler's finalizers run when its connection ends", () =>
    Effect.gen(function*() {
      const finalized: Array<string> = []
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          const name = (yield* readAll(conn)).toString()
          yield* Effect.addFinalizer(() => Effect.sync(() => finalized.push(name)))
          yield* conn.write(name)
        }))
      for (const name of ["first", "second"]) {
        yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* Client.connect(server.address)
          yield* conn.write(name)
          yield* conn.end
          expect((yield* readAll(conn)).toString()).toBe(name)
        }))
      }
      yield* Effect.sleep("20 millis")
      expect(finalized).toEqual(["first", "second"])
    }))

  it.scopedLive("the read stream has one cursor: running it again continues where the last run stopped", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          const first = yield* conn.read.pipe(Stream.take(1), Stream.runCollect)
          yield* conn.write("ack")
          const rest = yield* readAll(conn)
          const again = yield* readAll(conn)
          yield* conn.write(`${Buffer.from(Chunk.unsafeHead(first)).toString()}|${rest.toString()}|${again.length}`)
        }))
      const conn = yield* Client.connect(server.address)
      yield* conn.write("a")
      const ack = yield* conn.read.pipe(Stream.take(1), Stream.runCollect)
      expect(Buffer.from(Chunk.unsafeHead(ack)).toString()).toBe("ack")
      yield* conn.write("b")
      yield* conn.end
      expect((yield* readAll(conn)).toString()).toBe("a|b|0")
    }))

  it.scopedLive("a write after the scope closed fails with SocketClosedError at once (platform: hangs)", () =>
    Effect.gen(function*() {
      const leaked = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Server.serve(Address.tcp(0), echoHandler)
        return yield* Effect.scoped(Client.connect(server.address))
      }))
      const [exit, ms] = yield* timed(Effect.exit(leaked.write("late")))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("SocketClosedError")
      // "At once": a write that hung would never return; 250 ms only absorbs scheduling delay.
      expect(ms).toBeLessThan(250)
    }))

  it.scopedLive("a write after end fails with SocketClosedError; end is idempotent", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      const conn = yield* Client.connect(server.address)
      yield* conn.end
      yield* conn.end
      const error = yield* Effect.flip(conn.write("x"))
      expect(error._tag).toBe("SocketClosedError")
      expect(error._tag === "SocketClosedError" && error.halfClosed).toBe(true)
      expect(error.message).toBe("cannot write: the socket was half-closed by us (end); it can still read, not write")
    }))

  it.scopedLive("a write after end says half-closed over memory too; after the scope closed it says closed", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory()
      yield* transport.serve(echoHandler)
      const leaked = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* transport.connect
        yield* conn.end
        const error = yield* Effect.flip(conn.write("x"))
        expect(error.message).toContain("half-closed by us")
        return conn
      }))
      const closed = yield* Effect.flip(leaked.write("late"))
      expect(closed.message).toBe("cannot write: the socket is closed")
    }))

  it.scopedLive("the error channels are as narrow as what can happen: catching the three failures leaves never", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory()
      yield* transport.serve(echoHandler)
      const conn = yield* transport.connect
      const cases = {
        WriteError: () => Effect.void,
        IdleTimeoutError: () => Effect.void,
        SocketClosedError: () => Effect.void
      }
      // Were the channel the six-member SocketError, ConnectError | ListenError would be left over.
      const written = Effect.catchTags(conn.write("x"), cases)
      expectTypeOf(written).toEqualTypeOf<Effect.Effect<void>>()
      expectTypeOf(Effect.catchTags(conn.end, cases)).toEqualTypeOf<Effect.Effect<void>>()
      expectTypeOf(conn.sink).toEqualTypeOf<Sink.Sink<void, Uint8Array, never, WriteFailure>>()
      const read = Stream.catchTags(conn.read, {
        ReadError: () => Stream.empty,
        IdleTimeoutError: () => Stream.empty,
        SocketClosedError: () => Stream.empty
      })
      expectTypeOf(read).toEqualTypeOf<Stream.Stream<Uint8Array>>()
      expectTypeOf<ReadFailure["_tag"]>().toEqualTypeOf<"ReadError" | "IdleTimeoutError" | "SocketClosedError">()
      expectTypeOf<WriteFailure["_tag"]>().toEqualTypeOf<"WriteError" | "IdleTimeoutError" | "SocketClosedError">()
      yield* written
    }))


  it.scopedLive("failure or interruption destroys at once; success waits for the peer at most closeTimeout", () =>
    Effect.gen(function*() {
      // The peer never closes its side.
      const { address } = yield* rawServer((socket) => socket.on("data", () => {}))
      // Each timed from the end of the work to the scope's close, so connect time is not counted.
      let closeStart = 0
      yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(address, { closeTimeout: "600 millis" })
        yield* conn.write("x")
        closeStart = performance.now()
        return yield* Effect.fail("boom")
      })))
      const failMs = performance.now() - closeStart
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(address, { closeTimeout: "600 millis" })
        yield* conn.write("x")
        closeStart = performance.now()
      }))
      const okMs = performance.now() - closeStart
      console.log(`[close] on failure ${failMs.toFixed(1)} ms, on success with a silent peer ${okMs.toFixed(1)} ms`)
      // A failure that closed gracefully would take the whole 600 ms.
      expect(failMs).toBeLessThan(250)
      expect(okMs).toBeGreaterThanOrEqual(550)
      expect(okMs).toBeLessThan(2000)
    }))

  it.scopedLive("a graceful close returns as soon as the peer closes too", () =>
    Effect.gen(function*() {
      const { address } = yield* rawServer((socket) => {
        socket.on("data", () => {})
        socket.on("end", () => socket.end())
      })
      const [, ms] = yield* timed(Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(address, { closeTimeout: "2 seconds" })
        yield* conn.write("x")
      })))
      expect(ms).toBeLessThan(500)
    }))

  it.scopedLive("a socket whose setup throws is destroyed and fails reads and writes with the code; nothing escapes", () =>
    Effect.gen(function*() {
      // makeEndpoint runs inside node's 'connection' / 'connect' listeners: a throw there is an uncaught exception.
      const { address } = yield* rawServer((socket) => socket.on("data", () => {}))
      const socket = yield* Effect.acquireRelease(
        Effect.async<Net.Socket>((resume) => {
          const socket: Net.Socket = Net.createConnection({ host: address.hostname, port: address.port }, () =>
            resume(Effect.succeed(socket)))
        }),
        (socket) => Effect.sync(() => socket.destroy())
      )
      socket.setTimeout = () => {
        throw Object.assign(new RangeError("no timer for you"), { code: "ERR_TEST" })
      }
      const endpoint = makeEndpoint(socket, { local: address, remote: address }, {
        idleTimeoutMillis: 100,
        closeTimeoutMillis: undefined,
        flushTimeoutMillis: undefined
      })
      expect(socket.destroyed).toBe(true)
      const readError = yield* Effect.flip(endpoint.reader().pull)
      expect(Option.isSome(readError) && readError.value._tag === "ReadError" && readError.value.code).toBe("ERR_TEST")
      const writeError = yield* Effect.flip(endpoint.write([new Uint8Array(1)]))
      expect(writeError._tag === "WriteError" && writeError.code).toBe("ERR_TEST")
      // Settled by the socket's 'close' even with no close timer.
      yield* endpoint.close(true).pipe(Effect.timeout("1 second"))
    }))

  it.scopedLive("ECONNRESET from the peer is a ReadError with the code, then writes fail with it", () =>
    Effect.gen(function*() {
      const { address } = yield* rawServer((socket) => socket.once("data", () => socket.resetAndDestroy()))
      const conn = yield* Client.connect(address)
      yield* conn.write("x")
      const error = yield* Effect.flip(Stream.runDrain(conn.read))
      expect(error._tag).toBe("ReadError")
      expect(error._tag === "ReadError" && error.code).toBe("ECONNRESET")
      const writeError = yield* Effect.flip(conn.write("x"))
      expect(writeError._tag).toBe("WriteError")
      expect(writeError._tag === "WriteError" && writeError.code).toBe("ECONNRESET")
      expect(writeError.message).toContain("ECONNRESET")
    }))

  it.scopedLive("writing into a reset connection fails with WriteError (EPIPE / ECONNRESET)", () =>
    Effect.gen(function*() {
      const { address } = yield* rawServer((socket) => socket.once("data", () => socket.resetAndDestroy()))
      const conn = yield* Client.connect(address)
      const error = yield* Effect.flip(
        Effect.forever(Effect.zipRight(conn.write(new Uint8Array(64 * 1024)), Effect.sleep("5 millis")))
      ).pipe(Effect.timeout("3 seconds"))
      expect(error._tag).toBe("WriteError")
      expect(["EPIPE", "ECONNRESET"]).toContain(error._tag === "WriteError" ? error.code : "")
    }))
})
