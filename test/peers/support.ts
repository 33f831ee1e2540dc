/**
 * Test plumbing shared by the socket suites: temp dirs, raw `node:net`
 * peers, child processes. Everything is scoped and cleaned up.
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import type { Address } from "../../src/Address.js"
import type { Connection, ReadFailure } from "../../src/Connection.js"

export const peersDir = Path.dirname(new URL(import.meta.url).pathname)

/** A fresh directory under os.tmpdir(), removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-net-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** A Unix socket file with nothing listening: bound by a process that exited without unlinking. */
export const staleSocketFile = (path: string) =>
  Effect.sync(() =>
    ChildProcess.execFileSync("python3", [
      "-c",
      "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
      path
    ])
  )

/** A handler that reads a 10-byte request, completing `started` on its first bytes, then answers "ok". */
export const answerAfterTenBytes = (started: Deferred.Deferred<void>) => (conn: Connection) =>
  Effect.gen(function*() {
    let got = 0
    yield* conn.read.pipe(
      Stream.tap((bytes) => Effect.andThen(Deferred.succeed(started, undefined), () => (got += bytes.byteLength))),
      Stream.takeUntil(() => got >= 10),
      Stream.runDrain
    )
    yield* conn.write("ok")
  })

export const concat = (chunks: Iterable<Uint8Array>): Buffer => Buffer.concat(Array.from(chunks))

/** Every byte the connection reads until the peer's FIN. */
export const readAll = (conn: Connection): Effect.Effect<Buffer, ReadFailure> =>
  Effect.map(Stream.runCollect(conn.read), (chunks) => concat(Chunk.toReadonlyArray(chunks)))

/** A plain node socket, paused-free, collecting what it receives. */
export interface RawPeer {
  readonly socket: Net.Socket
  readonly received: () => Buffer
  /** The code of the socket's last error (`ECONNRESET`, `EPIPE`, …), if any. */
  readonly error: () => string | undefined
  /** Resolves at EOF or close with everything received. */
  readonly ended: Effect.Effect<{ readonly data: Buffer; readonly error: string | undefined }>
}

/** A raw peer over plain TCP / Unix, or over `node:tls` with `tls` (then "connected" means the handshake is done). */
export const rawConnect = (
  address: Address,
  tls?: Tls.ConnectionOptions
): Effect.Effect<RawPeer, Error, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.async<RawPeer, Error>((resume) => {
      const where = address._tag === "UnixAddress"
        ? { path: address.path, allowHalfOpen: true }
        : { host: address.hostname, port: address.port, allowHalfOpen: true }
      const socket: Net.Socket = tls === undefined ? Net.createConnection(where) : Tls.connect({ ...where, ...tls })
      const chunks: Array<Buffer> = []
      let error: string | undefined
      let done = false
      const waiters: Array<() => void> = []
      const finish = () => {
        if (done) return
        done = true
        for (const w of waiters) w()
      }
      socket.on("data", (d: Buffer) => chunks.push(d))
      socket.on("end", finish)
      socket.on("close", finish)
      socket.on("error", (e: NodeJS.ErrnoException) => {
        error = e.code ?? e.message
      })
      const onConnectError = (e: Error) => resume(Effect.fail(e))
      socket.once("error", onConnectError)
      socket.once(tls === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", onConnectError)
        resume(Effect.succeed({
          socket,
          received: () => Buffer.concat(chunks),
          error: () => error,
          ended: Effect.async((k) => {
            const f = () => k(Effect.succeed({ data: Buffer.concat(chunks), error }))
            if (done) f()
            else waiters.push(f)
          })
        }))
      })
    }),
    (peer) => Effect.sync(() => peer.socket.destroy())
  )

export interface Child {
  readonly process: ChildProcess.ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Waits for exit; fails with the stderr text on a non-zero code. */
  readonly exit: Effect.Effect<string, Error>
}

/** A child process killed with the scope if it is still running. */
export const spawn = (command: string, args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync((): Child => {
      const child = ChildProcess.spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      let err = ""
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      return {
        process: child,
        stdout: () => out,
        stderr: () => err,
        exit: Effect.flatMap(Effect.promise(() => exited), (code) =>
          code === 0 ? Effect.succeed(out) : Effect.fail(new Error(`${command} exited ${code}: ${err}`)))
      }
    }),
    (child) => Effect.sync(() => child.process.exitCode === null && child.process.kill("SIGKILL"))
  )

export const mib = 1024 * 1024

/** Milliseconds an effect took, with its result. */
export const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.all([Effect.sync(() => performance.now()), self, Effect.sync(() => performance.now())]), (
    [start, a, end]
  ) => [a, end - start] as const)

/** The names of the process warnings emitted while the scope is open (a too-long timer is TimeoutOverflowWarning). */
export const processWarnings = Effect.acquireRelease(
  Effect.sync(() => {
    const seen: Array<string> = []
    const listener = (warning: Error) => seen.push(warning.name)
    process.on("warning", listener)
    return { listener, seen }
  }),
  ({ listener }) => Effect.sync(() => process.off("warning", listener))
).pipe(Effect.map(({ seen }) => () => seen.slice()))

/**
 * Whether the other side's socket is gone, as its peer finds out: a FIN looks the same from a
 * graceful end and a destroy, but a write to a destroyed socket is answered with RST. Writes a
 * byte up to `tries` times, 20 ms apart, and returns the error code the peer got, if any.
 */
export const writeUntilReset = (peer: RawPeer, tries = 10) =>
  Effect.gen(function*() {
    for (let i = 0; i < tries && peer.error() === undefined && !peer.socket.destroyed; i++) {
      peer.socket.write("?")
      yield* Effect.sleep("20 millis")
    }
    return peer.error()
  })

/**
 * A peer that never stops sending on its own: a byte every 30 ms, at most
 * 100 times, until the socket closes. Resolves whether it was closed.
 */
export const sendUntilClosed = (peer: RawPeer): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    let closed = peer.socket.closed
    peer.socket.once("close", () => void (closed = true))
    for (let i = 0; i < 100 && !closed; i++) {
      if (!peer.socket.destroyed) peer.socket.write("x")
      yield* Effect.sleep("30 millis")
    }
    return closed
  })
