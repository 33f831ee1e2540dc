/**
 * Plumbing for the stress suite. It uses only the public API (`src/index.ts`)
 * and refers to errors by `_tag`, so it survives refactors of the modules
 * behind it. Everything is scoped: temp dirs removed, raw sockets destroyed,
 * child processes killed.
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import type { Address } from "../../src/index.js"

export const mib = 1024 * 1024

export const peersDir = Path.join(Path.dirname(new URL(import.meta.url).pathname), "..", "peers")

/** One line per test, so the figures can be reported: `[stress] name: k=v k=v`. */
export const summary = (name: string, figures: Record<string, string | number | boolean>) =>
  Effect.sync(() =>
    console.log(`[stress] ${name}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(" ")}`)
  )

/** Hostile peers make handlers fail by design: thousands of logged errors would drown the figures. */
export const quiet = <A, E, R>(self: Effect.Effect<A, E, R>) => Logger.withMinimumLogLevel(self, LogLevel.None)

/** A fresh directory under os.tmpdir(), removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-net-stress-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Deterministic bytes and sizes: a failure can be replayed. */
export const prng = (seed: number) => {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const randomBytes = (random: () => number, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0
  return out
}

export const fdCount = () => Fs.readdirSync("/proc/self/fd").length

/** Active libuv resources by type (`TCPSocketWrap`, `PipeWrap`, `Timeout`, …). */
export const activeResources = (): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

export const formatCounts = (counts: Record<string, number>) =>
  Object.keys(counts).sort().map((k) => `${k}:${counts[k]}`).join(",")

const gc = (globalThis as { gc?: () => void }).gc

/** Heap + array buffers (+ rss) after a full collection when `--expose-gc` is on. */
export const memory = () => {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { heapAndBuffers: m.heapUsed + m.arrayBuffers, rss: m.rss, gcExposed: gc !== undefined }
}

/** Polls `condition` every `everyMillis` until it holds or `withinMillis` passed; returns whether it held. */
export const eventually = (condition: () => boolean, withinMillis: number, everyMillis = 20) =>
  Effect.gen(function*() {
    const deadline = Date.now() + withinMillis
    while (!condition()) {
      if (Date.now() > deadline) return false
      yield* Effect.sleep(everyMillis)
    }
    return true
  })

const netOptions = (address: Address.Address, allowHalfOpen: boolean): Net.NetConnectOpts =>
  address._tag === "UnixAddress"
    ? { path: address.path, allowHalfOpen }
    : { host: address.hostname, port: address.port, allowHalfOpen }

/** A raw `node:net` socket, connected; destroyed with the scope. */
export const rawConnect = (address: Address.Address, options: { readonly allowHalfOpen?: boolean } = {}) =>
  Effect.acquireRelease(
    Effect.async<Net.Socket, Error>((resume) => {
      const socket = Net.createConnection(netOptions(address, options.allowHalfOpen ?? true))
      const onError = (e: Error) => resume(Effect.fail(e))
      socket.once("error", onError)
      socket.once("connect", () => {
        socket.off("error", onError)
        // Later errors (ECONNRESET from a server that gave up on us) are expected, not crashes.
        socket.on("error", () => {})
        resume(Effect.succeed(socket))
      })
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** Resolves when the socket is closed (by either side) or `withinMillis` passed; returns whether it closed. */
export const closedWithin = (socket: Net.Socket, withinMillis: number) =>
  Effect.async<boolean>((resume) => {
    if (socket.destroyed || socket.readableEnded) return resume(Effect.succeed(true))
    const done = () => {
      clearTimeout(timer)
      resume(Effect.succeed(true))
    }
    const timer = setTimeout(() => {
      socket.off("close", done)
      socket.off("end", done)
      resume(Effect.succeed(false))
    }, withinMillis)
    socket.once("close", done)
    socket.once("end", done)
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.off("close", done)
      socket.off("end", done)
    })
  })

export interface Child {
  readonly process: ChildProcess.ChildProcess
  /** Resolves with the first stdout line matching `prefix` (e.g. "ready"), or fails after `withinMillis`. */
  readonly line: (prefix: string, withinMillis: number) => Effect.Effect<string, Error>
}

/** A node child process running a peer script from test/peers; killed with the scope. */
export const spawnPeer = (script: string, args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync((): Child => {
      const child = ChildProcess.spawn(process.execPath, [Path.join(peersDir, script), ...args], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()))
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
      const line = (prefix: string, withinMillis: number) =>
        Effect.flatMap(
          eventually(() => out.split("\n").some((l) => l.startsWith(prefix)) || child.exitCode !== null, withinMillis),
          () => {
            const found = out.split("\n").find((l) => l.startsWith(prefix))
            return found !== undefined
              ? Effect.succeed(found)
              : Effect.fail(new Error(`${script}: no "${prefix}" line (exit ${child.exitCode}): ${out} ${err}`))
          }
        )
      return { process: child, line }
    }),
    (child) => Effect.sync(() => child.process.exitCode === null && child.process.kill("SIGKILL"))
  )

/** `_tag` of a failure, for asserting typed errors without importing their classes. */
export const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : `untyped:${String(error)}`
