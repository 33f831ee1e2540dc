/**
 * Where a bulk receiver's CPU goes: the socket bench's bulk case splits into
 * what effect-net's read-ahead policy costs in plain Node and what Effect
 * adds on top. Three receivers of the same one-way stream over a Unix socket,
 * each in a process of its own, rounds alternated:
 *
 * - `raw`: a 'data' listener that counts bytes (the bench's raw receiver);
 * - `raw-paused`: plain Node run the way effect-net's socket runs: chunks
 *   held until a consumer takes them all at the next `setImmediate`, the
 *   socket paused while `readAheadMark` (256 KiB) waits and resumed when it
 *   is taken;
 * - `effect-net`: `Server.serve` with `connection.read` folded, as the
 *   bench's effect-net receiver does (without its reply).
 *
 * Each process prints its user and system CPU per MiB, how many takes (pulls)
 * per MiB, and its GC count and pause; the table gives each variant's median,
 * its ratio to raw in the same round (median, min–max, over the rounds in
 * which neither it nor raw had a GC storm) and how many of its processes had
 * one: more than twice the lower quartile of all processes' GC counts
 * (PROFILE.md, "After 4"; every variant has one now and then).
 * The sender is a raw `node:net` process writing 64 KiB at a time; the
 * measurement starts once it is loaded, so its start-up is not counted.
 *
 *   MALLOC_TRIM_THRESHOLD_=268435456 node --import tsx bench/read-ahead.ts
 *
 * (the variable keeps glibc from handing freed 64 KiB buffers back to the
 * kernel, which on this VM costs 11–15 µs a page to fetch again: PROFILE.md,
 * "After 8"). READ_AHEAD_ROUNDS (7), READ_AHEAD_MIB (2048, after 1024
 * unmeasured). Node flags given to this script reach every process it starts.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type ChildProcess, fork, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PerformanceObserver } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { Address, Server } from "../src/index.js"
import { readAheadMark } from "../src/internal/socket/timeouts.js"
import { isEntry } from "./entry.js"
import { median } from "./median.js"

const here = fileURLToPath(import.meta.url)
const MiB = 1024 * 1024
const ROUNDS = Number(process.env.READ_AHEAD_ROUNDS ?? 7)
const MEASURED_MIB = Number(process.env.READ_AHEAD_MIB ?? 2048)
const WARM_UP_MIB = 1024
const variants = ["raw", "raw-paused", "effect-net"] as const
type VariantId = typeof variants[number]

interface Figure {
  readonly variant: VariantId
  readonly round: number
  /** CPU µs per MiB received */
  readonly user: number
  readonly system: number
  readonly takesPerMiB: number
  /** collections of any kind, and their total pause in ms, while measuring */
  readonly gcs: number
  readonly gcMillis: number
}

/** The sender: once loaded says so, and on `go` sends `mib` MiB in 64 KiB writes, then EOF; exits when the receiver closes. */
const send = (path: string, mib: number): void => {
  const chunk = Buffer.alloc(64 * 1024, 1)
  process.once("message", () => {
    const socket = Net.connect(path, async () => {
      for (let sent = 0; sent < mib * MiB; sent += chunk.length) {
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve))
      }
      socket.end()
    })
    socket.resume()
    socket.on("close", () => process.exit(0))
  })
  process.send!("ready")
}

/** Sends `mib` MiB from a sender process; `onStart` runs once it is loaded, just before it connects. */
const sendFrom = (path: string, mib: number, onStart: () => void) =>
  new Promise<void>((resolve, reject) => {
    const child: ChildProcess = fork(here, ["send", path, String(mib)], { execArgv: process.execArgv })
    child.once("message", () => {
      onStart()
      child.send("go")
    })
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`sender ended: ${signal ?? `exit ${code}`}`)))
  })

/** Counts the receiver's takes: a pull of `connection.read`, or a `consume` of `raw-paused`. */
const takes = () => {
  let count = 0
  return { take: () => void count++, count: () => count, reset: () => void (count = 0) }
}

/** Starts the receiver on `path`; resolves once it listens. */
const receive = async (variant: VariantId, path: string, taken: ReturnType<typeof takes>): Promise<void> => {
  if (variant === "effect-net") {
    // the scope stays open for the rest of the process; `serve` has bound the socket when it returns
    return new Promise<void>((listening) => {
      Effect.runPromise(Effect.gen(function*() {
        yield* Server.serve(Address.unix(path), (connection) =>
          connection.read.pipe(
            Stream.mapChunks((chunk) => {
              taken.take()
              return chunk
            }),
            Stream.runFold(0, (total, bytes) => total + bytes.length)
          ))
        listening()
        yield* Effect.never
      }).pipe(Effect.scoped)).catch((error: unknown) => {
        console.error(error)
        process.exit(1)
      })
    })
  }
  const server = Net.createServer({ allowHalfOpen: true }, (socket) => {
    let total = 0
    if (variant === "raw") {
      socket.on("data", (data: Buffer) => void (total += data.length))
    } else {
      let held: Array<Buffer> = []
      let buffered = 0
      let scheduled = false
      const consume = () => {
        scheduled = false
        taken.take()
        for (const data of held) total += data.length
        held = []
        buffered = 0
        if (socket.isPaused()) socket.resume()
      }
      socket.on("data", (data: Buffer) => {
        held.push(data)
        buffered += data.length
        if (buffered >= readAheadMark) socket.pause()
        if (!scheduled) {
          scheduled = true
          setImmediate(consume)
        }
      })
    }
    socket.on("end", () => socket.end())
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
}

/** One receiver process, listening in `dir` (its parent removes it): warm up, measure, print its figure as JSON. */
const serveOnce = async (variant: VariantId, dir: string, round: number): Promise<void> => {
  const path = join(dir, "socket")
  const taken = takes()
  await receive(variant, path, taken)
  await sendFrom(path, WARM_UP_MIB, () => {})
  let gcs = 0
  let gcMillis = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs++
      gcMillis += entry.duration
    }
  })
  let before = process.cpuUsage()
  await sendFrom(path, MEASURED_MIB, () => {
    taken.reset()
    observer.observe({ entryTypes: ["gc"] })
    before = process.cpuUsage()
  })
  const cpu = process.cpuUsage(before)
  observer.disconnect()
  const figure: Figure = {
    variant,
    round,
    user: cpu.user / MEASURED_MIB,
    system: cpu.system / MEASURED_MIB,
    takesPerMiB: taken.count() / MEASURED_MIB,
    gcs,
    gcMillis
  }
  console.log(JSON.stringify(figure))
  process.exit(0)
}

const runProcess = (variant: VariantId, round: number): Figure => {
  const dir = mkdtempSync(join(tmpdir(), "read-ahead-"))
  try {
    const run = spawnSync(process.execPath, [...process.execArgv, here, "serve", variant, dir, String(round)], {
      encoding: "utf8",
      // start-up and warm-up, then the measured bytes at no less than ~50 MB/s
      timeout: 60_000 + MEASURED_MIB * 20
    })
    const line = (run.stdout ?? "").trim().split("\n").pop() ?? ""
    if (run.status !== 0 || !line.startsWith("{")) {
      const why = run.error?.message ?? (run.signal !== null ? `killed by ${run.signal}` : `exit ${run.status}`)
      throw new Error(`${variant}: ${why}\n${run.stderr ?? ""}${run.stdout ?? ""}`)
    }
    process.stderr.write(`  round ${round + 1}/${ROUNDS} ${variant}: ${line}\n`)
    return JSON.parse(line) as Figure
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const range = (xs: ReadonlyArray<number>): string =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`

const main = (): void => {
  const figures: Array<Figure> = []
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) figures.push(runProcess(variants[(round + k) % variants.length]!, round))
  }
  const counts = figures.map((f) => f.gcs).sort((a, b) => a - b)
  const stormed = (f: Figure) => f.gcs > 2 * counts[Math.floor((counts.length - 1) / 4)]!
  const rawOf = (round: number) => figures.find((f) => f.variant === "raw" && f.round === round)!
  console.log(
    `| receiver (${MEASURED_MIB} MiB over a Unix socket, ${ROUNDS} rounds) | user µs/MiB | system µs/MiB | user × raw | user + system × raw | calm rounds | takes/MiB | GC ms per GiB | GC storms |`
  )
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|`)
  for (const variant of variants) {
    const own = figures.filter((f) => f.variant === variant)
    const calm = own.filter((f) => !stormed(f) && !stormed(rawOf(f.round)))
    const userRatios = calm.map((f) => f.user / rawOf(f.round).user)
    const totalRatios = calm.map((f) => (f.user + f.system) / (rawOf(f.round).user + rawOf(f.round).system))
    const ratio = (ratios: ReadonlyArray<number>) => variant === "raw" ? "1" : ratios.length === 0 ? "–" : range(ratios)
    const cells = [
      variant,
      median(own.map((f) => f.user)).toFixed(0),
      median(own.map((f) => f.system)).toFixed(0),
      ratio(userRatios),
      ratio(totalRatios),
      `${calm.length} of ${own.length}`,
      variant === "raw" ? "–" : median(own.map((f) => f.takesPerMiB)).toFixed(1),
      median(own.map((f) => (f.gcMillis * 1024) / MEASURED_MIB)).toFixed(0),
      `${own.filter(stormed).length} of ${own.length}`
    ]
    console.log(`| ${cells.join(" | ")} |`)
  }
}

if (isEntry(import.meta.url)) {
  const [mode, a, b, c] = process.argv.slice(2)
  if (mode === "send") send(a!, Number(b))
  else if (mode === "serve") void serveOnce(a as VariantId, b!, Number(c))
  else main()
}
