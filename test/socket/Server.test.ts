import * as SocketServer from "@effect/platform/SocketServer"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as LogLevel from "effect/LogLevel"
import * as Stream from "effect/Stream"
import * as Esbuild from "esbuild"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection } from "../../src/Connection.js"
import * as Framing from "../../src/Framing.js"
import * as Server from "../../src/Server.js"
import {
  peersDir,
  processWarnings,
  rawConnect,
  readAll,
  staleSocketFile,
  tempDir,
  timed,
  writeUntilReset
} from "../peers/support.js"

// maxConnections, idle timeout, half-close and shutdown are held to the same behaviour over TCP, Unix and TLS
// in behaviour.test.ts.

interface Log {
  readonly level: string
  readonly message: string
  readonly cause: string
}

const captureLogs = () => {
  const logs: Array<Log> = []
  const logger = Logger.make(({ cause, logLevel, message }) => {
    logs.push({
      level: logLevel.label,
      message: Array.isArray(message) ? message.join(" ") : String(message),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause)
    })
  })
  return { logs, layer: Logger.replace(Logger.defaultLogger, logger) }
}

class BadRequest extends Data.TaggedError("BadRequest")<{ readonly got: string }> {
  override get message() {
    return `bad request: ${JSON.stringify(this.got)}`
  }
}

/**
 * Bundles `script` (its relative imports resolve in src/) with what it uses into one file in `dir`, then runs
 * it as uid/gid 65534 with `dir` as its cwd and HOME: only node built-ins and that file.
 */
const runAsNobody = (dir: string, script: string) =>
  Effect.gen(function*() {
    const outfile = Path.join(dir, "child.mjs")
    yield* Effect.promise(() =>
      Esbuild.build({
        stdin: { contents: script, resolveDir: Path.resolve(peersDir, "../../src"), loader: "ts" },
        bundle: true,
        platform: "node",
        format: "esm",
        outfile,
        logLevel: "silent"
      })
    )
    Fs.chmodSync(outfile, 0o644)
    return ChildProcess.spawnSync(process.execPath, [outfile], {
      uid: 65534,
      gid: 65534,
      cwd: dir,
      encoding: "utf8",
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }
    })
  })

const echoHandler = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

/** Starts a server in its own scope so the test decides when it shuts down, apart from its peers. */
const startServer = <E, R>(serve: Effect.Effect<Server.Server, E, R | Scope.Scope>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const server = yield* Scope.extend(serve, scope)
    return { server, shutdown: timed(Scope.close(scope, Exit.void)).pipe(Effect.map(([, ms]) => ms)) }
  })

const roundTrip = (address: Address.Address, text: string) =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* Client.connect(address)
    yield* conn.write(text)
    yield* conn.end
    return (yield* readAll(conn)).toString()
  }))

describe("Server", () => {
  it.scopedLive("binds port 0 to a real port and reports it", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      expect(server.address._tag).toBe("TcpAddress")
      expect(server.address._tag === "TcpAddress" && server.address.port).toBeGreaterThan(0)
      expect(Address.format(server.address)).toMatch(/^127\.0\.0\.1:\d+$/)
      expect(yield* roundTrip(server.address, "ping")).toBe("ping")
    }))

  it.scopedLive("serves the IPv6 loopback", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0, "::1"), echoHandler)
      expect(Address.format(server.address)).toMatch(/^\[::1\]:\d+$/)
      expect(yield* roundTrip(server.address, "six")).toBe("six")
    }))

  it.scopedLive("runs each connection in its own fiber", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.zipRight(Effect.sleep("200 millis"), echoHandler(conn)))
      const [results, ms] = yield* timed(
        Effect.forEach(Array.from({ length: 20 }, (_, i) => `client ${i}`), (text) =>
          roundTrip(server.address, text), { concurrency: "unbounded" })
      )
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => `client ${i}`))
      expect(ms).toBeLessThan(1500)
    }))

  it.scopedLive("a failing or defecting handler is logged in one line and its connection closed; the server keeps serving", () => {
    const { layer, logs } = captureLogs()
    return Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          const first = Buffer.concat(Chunk.toReadonlyArray(yield* conn.read.pipe(Stream.take(1), Stream.runCollect)))
          if (first.toString() === "fail") return yield* new BadRequest({ got: "fail" })
          if (first.toString() === "die") return yield* Effect.die(new Error("handler died on purpose"))
          yield* conn.write(first)
        }))
      for (const text of ["fail", "die"]) {
        const peer = yield* rawConnect(server.address)
        peer.socket.write(text)
        const { data } = yield* peer.ended
        expect(data.byteLength).toBe(0)
      }
      expect(yield* roundTrip(server.address, "still here")).toBe("still here")
      // One line each at Error, the tag and the message, no cause attached...
      const errors = logs.filter((log) => log.level === "ERROR")
      expect(errors.map((log) => log.message)).toEqual([
        "connection handler failed: BadRequest: bad request: \"fail\"",
        "connection handler died: Error: handler died on purpose"
      ])
      expect(errors.map((log) => log.cause)).toEqual(["", ""])
      // ...and the full cause at Debug.
      const debug = logs.filter((log) => log.level === "DEBUG")
      expect(debug).toHaveLength(2)
      expect(debug[0]!.cause).toContain("bad request")
      expect(debug[1]!.cause).toContain("handler died on purpose")
      expect(debug[1]!.cause).toContain("\n    at ")
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Debug), Effect.provide(layer))
  })

  it.scopedLive("a handler failure is not logged at Debug under the default minimum level", () => {
    const { layer, logs } = captureLogs()
    return Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => new BadRequest({ got: "anything" }))
      const peer = yield* rawConnect(server.address)
      yield* peer.ended
      yield* Effect.sleep("20 millis")
      expect(logs.map((log) => log.level)).toEqual(["ERROR"])
    }).pipe(Effect.provide(layer))
  })


  it.scopedLive("a peer dripping a frame past Framing.withFrameTimeout is logged at Info, not as a handler failure", () => {
    const { layer, logs } = captureLogs()
    const framer = Framing.withFrameTimeout(Framing.lengthPrefixed(), "100 millis")
    return Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) => conn.read.pipe(framer.decode, Stream.run(conn.sink)))
      const peer = yield* rawConnect(server.address)
      peer.socket.write(Uint8Array.of(0, 0, 0, 9, 1)) // a frame of 9 bytes, 1 sent, then nothing
      yield* peer.ended
      const lines = logs.filter((log) => log.level !== "DEBUG")
      expect(lines.map((log) => log.level)).toEqual(["INFO"])
      expect(lines[0]!.message).toMatch(/^connection closed: FrameTimeoutError: /)
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("through layerSocketServer, an idle peer is logged at Info with our error, not the platform's wrapper", () => {
    const { layer, logs } = captureLogs()
    return Effect.gen(function*() {
      const socketServer = Context.get(
        yield* Layer.build(Server.layerSocketServer(Address.tcp(0), { idleTimeout: "200 millis" })),
        SocketServer.SocketServer
      )
      // a handler as @effect/rpc's server writes it: the socket's error made a defect
      yield* Effect.forkScoped(socketServer.run((socket) => Effect.orDie(socket.run(() => {}))))
      const peer = yield* rawConnect(socketServer.address)
      yield* peer.ended.pipe(Effect.timeout("3 seconds"))
      for (let i = 0; i < 50 && logs.length === 0; i++) yield* Effect.sleep("20 millis")
      const lines = logs.filter((log) => log.level !== "DEBUG")
      expect(lines.map((log) => log.level)).toEqual(["INFO"])
      expect(lines[0]!.message).toMatch(/^connection closed: IdleTimeoutError: /)
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("a failure that cannot be made a string is still logged in one line", () => {
    const { layer, logs } = captureLogs()
    return Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.fail(Object.create(null) as object))
      const peer = yield* rawConnect(server.address)
      yield* peer.ended
      for (let i = 0; i < 50 && logs.length === 0; i++) yield* Effect.sleep("20 millis")
      expect(logs.map((log) => [log.level, log.message])).toEqual([["ERROR", "connection handler failed: [object Object]"]])
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive("allowHalfOpen: false ends our side together with the peer's", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<string>()
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          yield* readAll(conn)
          yield* Effect.sleep("30 millis")
          const error = yield* Effect.flip(conn.write("too late"))
          yield* Deferred.succeed(seen, error._tag)
        }), { allowHalfOpen: false })
      expect(yield* roundTrip(server.address, "ping")).toBe("")
      expect(yield* Deferred.await(seen)).toBe("SocketClosedError")
    }))


  it.scopedLive("shutdown: a handler that finishes its work and waits to read again is interrupted then, not after the grace period", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const { server, shutdown } = yield* startServer(Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          yield* conn.read.pipe(Stream.take(1), Stream.runDrain)
          yield* Deferred.succeed(started, undefined)
          yield* Effect.sleep("100 millis")
          yield* conn.write("finished the request")
          yield* Stream.runDrain(conn.read)
        }), { shutdownGracePeriod: "5 seconds" }))
      const peer = yield* rawConnect(server.address)
      peer.socket.write("request")
      yield* Deferred.await(started)
      const ms = yield* shutdown
      // The reply arriving proves shutdown waited for the busy handler; the bound, that it did not wait 5 s.
      expect((yield* peer.ended).data.toString()).toBe("finished the request")
      expect(ms).toBeLessThan(2500)
    }))


  it.scopedLive("idleTimeout: Duration.infinity sets no timer; a connection does not crash the process", () =>
    Effect.gen(function*() {
      for (const idleTimeout of [Duration.infinity, Duration.days(30)]) {
        const server = yield* Server.serve(Address.tcp(0), echoHandler, { idleTimeout })
        const peer = yield* rawConnect(server.address)
        // Was: socket.setTimeout(Infinity) threw RangeError in node's 'connection' listener.
        yield* Effect.sleep("150 millis")
        expect(yield* roundTrip(server.address, "still serving").pipe(Effect.timeout("2 seconds"))).toBe("still serving")
        // The server still holds the socket: no FIN, and writes are not answered with RST.
        expect(yield* writeUntilReset(peer, 3)).toBeUndefined()
        expect(Option.isNone(yield* Effect.timeoutOption(peer.ended, "50 millis"))).toBe(true)
      }
    }))

  it.scopedLive("closeTimeout: 30 days is \"wait for the peer\", not a timer that fires at once", () =>
    Effect.gen(function*() {
      const warnings = yield* processWarnings
      // Returns without reading: the graceful close sends FIN, then waits (up to closeTimeout) for the peer's.
      const server = yield* Server.serve(Address.tcp(0), () => Effect.void, { closeTimeout: Duration.days(30) })
      const peer = yield* rawConnect(server.address)
      expect((yield* peer.ended).error).toBeUndefined()
      yield* Effect.sleep("100 millis")
      // Unclamped, the delay overflows to 1 ms and the socket is destroyed: these writes would meet RST.
      expect(yield* writeUntilReset(peer, 5)).toBeUndefined()
      expect(warnings()).toEqual([])
    }))

  it.scopedLive("scope close is not held up by a handler that returned without reading (platform: hangs)", () =>
    Effect.gen(function*() {
      const { server, shutdown } = yield* startServer(
        Server.serve(Address.tcp(0), () => Effect.void, { closeTimeout: "200 millis" })
      )
      const peer = yield* rawConnect(server.address)
      peer.socket.write(Buffer.alloc(1024 * 1024))
      const { error } = yield* peer.ended
      expect(error).toBeUndefined()
      const ms = yield* shutdown
      expect(ms).toBeLessThan(1000)
    }))

  for (const transport of ["tcp", "unix"] as const) {
    it.scopedLive(`shutdown with 100 idle ${transport} clients: under 1 s, every client sees EOF`, () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const path = Path.join(dir, "idle.sock")
        const accepted = yield* Deferred.make<void>()
        let count = 0
        const { server, shutdown } = yield* startServer(Server.serve(
          transport === "tcp" ? Address.tcp(0) : Address.unix(path),
          (conn) =>
            Effect.zipRight(
              Effect.suspend(() => ++count === 100 ? Deferred.succeed(accepted, undefined) : Effect.void),
              echoHandler(conn)
            )
        ))
        const peers = yield* Effect.forEach(Array.from({ length: 100 }), () => rawConnect(server.address), {
          concurrency: 20
        })
        yield* Deferred.await(accepted)
        yield* Effect.sleep("20 millis")
        const ms = yield* shutdown
        const ends = yield* Effect.forEach(peers, (peer) => peer.ended)
        console.log(`[shutdown] 100 idle ${transport} clients: scope closed in ${ms.toFixed(1)} ms`)
        expect(ms).toBeLessThan(1000)
        expect(ends.every(({ data, error }) => data.byteLength === 0 && error === undefined)).toBe(true)
        if (transport === "unix") expect(Fs.existsSync(path)).toBe(false)
      }))
  }


  it.scopedLive("the Unix socket file is removed when the scope closes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "s.sock")
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Server.serve(Address.unix(path), echoHandler)
        expect(server.address).toEqual(Address.unix(path))
        expect(Fs.lstatSync(path).isSocket()).toBe(true)
        expect(yield* roundTrip(server.address, "unix")).toBe("unix")
      }))
      expect(Fs.existsSync(path)).toBe(false)
    }))

  it.scopedLive("a stale Unix socket file is replaced (platform: listen fails)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "stale.sock")
      yield* staleSocketFile(path)
      expect(Fs.lstatSync(path).isSocket()).toBe(true)
      const server = yield* Server.serve(Address.unix(path), echoHandler)
      expect(yield* roundTrip(server.address, "fresh")).toBe("fresh")
    }))

  it.scopedLive("a live Unix socket is ListenError EADDRINUSE and keeps serving", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "live.sock")
      const server = yield* Server.serve(Address.unix(path), echoHandler)
      const error = yield* Effect.flip(Server.serve(Address.unix(path), echoHandler))
      expect(error._tag).toBe("ListenError")
      expect(error.code).toBe("EADDRINUSE")
      expect(yield* roundTrip(server.address, "first one")).toBe("first one")
    }))

  it.scopedLive("a Unix path holding a file that is not a socket is ListenError EADDRINUSE and left alone", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "not-a-socket")
      Fs.writeFileSync(path, "precious")
      const error = yield* Effect.flip(Server.serve(Address.unix(path), echoHandler))
      expect(error.code).toBe("EADDRINUSE")
      expect(Fs.readFileSync(path, "utf8")).toBe("precious")
    }))

  it.scopedLive("a Unix path too long for the OS is a ListenError that says so", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "x".repeat(120))
      const error = yield* Effect.flip(Server.serve(Address.unix(path), echoHandler))
      expect(error.code).toBe("ENAMETOOLONG")
      expect(error.message).toMatch(/at most 10[37]/)
    }))

  it.scopedLive("a Unix path in a directory we may not write is ListenError EACCES", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // World-readable, so that an unprivileged child reaches `locked` and fails on the write, not the way there.
      Fs.chmodSync(dir, 0o755)
      const locked = Path.join(dir, "locked")
      Fs.mkdirSync(locked, { mode: 0o555 })
      const path = Path.join(locked, "s.sock")
      if (process.getuid?.() !== 0) {
        const error = yield* Effect.flip(Server.serve(Address.unix(path), echoHandler))
        expect(error.code).toBe("EACCES")
        return
      }
      // Root may write anywhere: ask an unprivileged child to listen instead. It runs one self-contained
      // file in `dir`, so it needs to read nothing of the checkout (which may be in a directory only root can read).
      const child = yield* runAsNobody(dir, [
        `import * as Effect from "effect/Effect"`,
        `import * as Address from "./Address.ts"`,
        `import * as Server from "./Server.ts"`,
        `const exit = await Effect.runPromiseExit(Effect.scoped(Server.serve(Address.unix(${
          JSON.stringify(path)
        }), () => Effect.void)))`,
        `process.stdout.write(exit._tag === "Failure" && exit.cause._tag === "Fail" ? exit.cause.error._tag + " " + exit.cause.error.code : "no error")`
      ].join("\n"))
      expect(child.stdout, `the child's stderr:\n${child.stderr}`).toBe("ListenError EACCES")
    }), { timeout: 30_000 })

  it.scopedLive("a TCP port in use is ListenError EADDRINUSE", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      const error = yield* Effect.flip(Server.serve(server.address, echoHandler))
      expect(error._tag).toBe("ListenError")
      expect(error.code).toBe("EADDRINUSE")
      expect(error.message).toContain("EADDRINUSE")
    }))
})
