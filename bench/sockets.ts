/**
 * Socket benchmark: framed echo servers side by side, each in a process of its
 * own, driven by one raw node:net client in another process
 * (bench/socket-driver.ts), on TCP 127.0.0.1 and on a Unix socket.
 *
 *   node --import tsx bench/sockets.ts                  (~3 min on 2 cores)
 *   BENCH_QUICK=1 node --import tsx bench/sockets.ts    (~1 min, rougher)
 *
 * Knobs: BENCH_ROUNDS, BENCH_ROUND_SECONDS, BENCH_BULK_MIB (512),
 * BENCH_BULK_WARMUP_MIB (1024: the unmeasured first bulk run per variant and
 * transport; effect-net's read path takes ~1 GiB to be JIT-compiled),
 * BENCH_WARMUP_SECONDS (1, quick 0.5: the unmeasured first echo round per variant and case),
 * BENCH_WINDOW_KIB (bytes in flight while streaming, 1024), BENCH_VARIANTS
 * (comma-separated server ids), BENCH_CASES (comma-separated substrings of case
 * ids such as "tcp-stream-64", "unix-rr-64", "bulk"), BENCH_PROFILE_DIR (every
 * server runs under `node --cpu-prof` and writes its profiles to `<dir>/<variant>/`;
 * BENCH_PROFILE_DRIVER=1 profiles the driver too (the bulk senders);
 * BENCH_PROFILE_INTERVAL sets the sampling interval in µs; summarize with
 * bench/profile-summary.ts),
 * BENCH_RESULTS (where results.json goes; the chart goes beside it).
 *
 * Why processes: the driver in its own process gets its own core and event
 * loop, so what is measured is one server's event loop and nothing else; a
 * server per process has its own heap, JIT and GC (no variant pays for
 * another's garbage) and its own peak RSS. Rounds alternate: round r runs
 * every variant once, in an order rotated by r, and each variant's figure is
 * the median over rounds of its ratio to raw + cork in the same round, so
 * load from other processes drifting over the run cancels.
 */
import { type ChildProcess, fork } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { renderChart } from "./chart.js"
import type { DecodeFigure } from "./decode.js"
import { isEntry } from "./entry.js"
import { median } from "./median.js"
import type { Command, Measured, Target } from "./socket-driver.js"
import { fmtRate, printReport } from "./socket-report.js"
import type { Usage } from "./socket-server.js"
import type { Listening } from "./socket-raw.js"
import type { ServerVariantId } from "./socket-servers.js"

const here = dirname(fileURLToPath(import.meta.url))
const env = process.env
const QUICK = env.BENCH_QUICK === "1"
const config = {
  quick: QUICK,
  rounds: Number(env.BENCH_ROUNDS ?? (QUICK ? 3 : 5)),
  roundSeconds: Number(env.BENCH_ROUND_SECONDS ?? (QUICK ? 0.25 : 0.5)),
  bulkBytes: Number(env.BENCH_BULK_MIB ?? (QUICK ? 64 : 512)) * 1024 * 1024,
  // Long enough for TurboFan: the bulk read path runs only ~4 times per MiB, and
  // a receiver measured over its first GiB is measured while it compiles.
  bulkWarmUpBytes: Number(env.BENCH_BULK_WARMUP_MIB ?? 1024) * 1024 * 1024,
  warmUpSeconds: Number(env.BENCH_WARMUP_SECONDS ?? (QUICK ? 0.5 : 1)),
  windowBytes: Number(env.BENCH_WINDOW_KIB ?? 1024) * 1024,
  profileDir: env.BENCH_PROFILE_DIR
}

export const BASELINE = "raw-cork"

const echoVariant = (server: ServerVariantId, label: string): Variant => ({ id: server, server, label })

export const echoVariants: ReadonlyArray<Variant> = [
  echoVariant("raw-cork", "raw node:net + linear decoder + cork"),
  echoVariant("raw-write-per-frame", "raw, one write per frame"),
  echoVariant("raw-concat", "raw, Buffer.concat decoder"),
  echoVariant("platform-stream", "@effect/platform + straightforward Stream decoder"),
  echoVariant("platform-framer", "@effect/platform + effect-net framer"),
  echoVariant("effect-net", "effect-net read→decode→encode→sink")
]

/** A variant of a case: `server` serves it (the echo variants' id is their server's). */
export interface Variant {
  readonly id: string
  readonly server: ServerVariantId
  readonly label: string
}

export const bulkVariants: ReadonlyArray<Variant & { readonly via: "raw" | "effect-net" }> = [
  { id: "raw-bulk", server: "raw-bulk", via: "raw", label: "raw node:net write -> 'data'" },
  { id: "effect-net-bulk", server: "effect-net-bulk", via: "effect-net", label: "effect-net Connection.sink -> read" },
  // The two halves apart, to tell which side costs what.
  { id: "raw-to-read", server: "effect-net-bulk", via: "raw", label: "raw node:net write -> effect-net read" },
  { id: "sink-to-raw", server: "raw-bulk", via: "effect-net", label: "effect-net Connection.sink -> raw 'data'" }
]

export interface EchoCase {
  readonly id: string
  readonly transport: "tcp" | "unix"
  readonly mode: "stream" | "rr"
  readonly size: number
  readonly label: string
}

const echoCases: ReadonlyArray<EchoCase> = (["tcp", "unix"] as const).flatMap((transport) => [
  { id: `${transport}-stream-64`, transport, mode: "stream", size: 64, label: `${transport} streaming 64 B` },
  { id: `${transport}-stream-4096`, transport, mode: "stream", size: 4096, label: `${transport} streaming 4 KiB` },
  { id: `${transport}-rr-64`, transport, mode: "rr", size: 64, label: `${transport} request/response 64 B` }
])

/** One round of one variant. */
export interface Round {
  readonly variant: string
  readonly round: number
  /** msg/s for echo cases, MB/s (10^6 B) for bulk */
  readonly rate: number
  /** server CPU time per message (echo) or per MiB (bulk), µs */
  readonly serverCpuMicros: number
  /**
   * the server's minor page faults per message (echo) or per MiB (bulk): fresh
   * memory touched, which on this benchmark's VM costs microseconds a page
   */
  readonly serverFaults: number
  readonly seconds: number
}

export interface Summary {
  readonly variant: string
  readonly label: string
  readonly medianRate: number
  readonly medianServerCpuMicros: number
  readonly medianServerFaults: number
  /** median over rounds of rate ÷ the baseline's rate in the same round; undefined without a baseline */
  readonly ratio?: number
  readonly ratioMin?: number
  readonly ratioMax?: number
}

export interface CaseResult {
  readonly id: string
  readonly label: string
  readonly unit: "msg/s" | "MB/s"
  readonly baseline: string
  readonly rounds: ReadonlyArray<Round>
  readonly summaries: ReadonlyArray<Summary>
}

export interface ServerMemory {
  readonly variant: ServerVariantId
  /** RSS once listening, before any connection */
  readonly idleRssBytes: number
  /** highest RSS seen before and after every round (the server under load, or just after) */
  readonly loadedRssBytes: number
  /** the kernel's peak RSS of the process (getrusage), module loading included */
  readonly peakRssBytes: number
}

export interface Results {
  readonly date: string
  readonly node: string
  readonly cpus: string
  readonly loadAtStart: ReadonlyArray<number>
  readonly loadAtEnd: ReadonlyArray<number>
  readonly config: typeof config
  readonly command: string
  readonly cases: ReadonlyArray<CaseResult>
  readonly memory: ReadonlyArray<ServerMemory>
  readonly seconds: number
}

// --- child processes ------------------------------------------------------------

/** A forked child answering one IPC request at a time. */
class Child {
  private waiting: Array<(message: unknown) => void> = []
  private exited = false

  constructor(readonly name: string, readonly process: ChildProcess) {
    process.on("message", (message) => this.waiting.shift()?.(message))
    process.on("exit", (code) => {
      this.exited = true
      const error = { type: "error", message: `${name} exited with code ${code}` }
      for (const w of this.waiting.splice(0)) w(error)
    })
  }

  /** The next message, after sending `request` if given. */
  async next<A>(request?: object): Promise<A> {
    if (this.exited) throw new Error(`${this.name} has exited`)
    const reply = new Promise<unknown>((resolve) => this.waiting.push(resolve))
    if (request !== undefined) this.process.send(request)
    const message = (await reply) as { type: string; message?: string }
    if (message.type === "error") throw new Error(`${this.name}: ${message.message}`)
    return message as A
  }

  stop(): Promise<void> {
    if (this.exited) return Promise.resolve()
    return new Promise((resolve) => {
      this.process.once("exit", () => resolve())
      this.process.disconnect()
    })
  }
}

/** node flags for a child: ours minus any --cpu-prof (profiles are per server, on request), tsx ensured. */
const childExecArgv = (profileName?: string): Array<string> => {
  const own = process.execArgv.filter((flag) => !flag.startsWith("--cpu-prof"))
  const withTsx = own.some((flag) => flag.includes("tsx")) ? own : [...own, "--import", "tsx"]
  if (profileName === undefined || config.profileDir === undefined) return withTsx
  const interval = env.BENCH_PROFILE_INTERVAL === undefined ? [] : [`--cpu-prof-interval=${env.BENCH_PROFILE_INTERVAL}`]
  return [
    ...withTsx,
    "--cpu-prof",
    // A directory per server: tsx's loader thread writes a profile of its own, and a fixed --cpu-prof-name would collide.
    `--cpu-prof-dir=${join(config.profileDir, profileName)}`,
    ...interval
  ]
}

const forkChild = (name: string, script: string, args: Array<string>, profile: boolean): Child =>
  new Child(
    name,
    fork(join(here, script), args, {
      execArgv: childExecArgv(profile ? name : undefined),
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
  )

interface ServerChild {
  readonly child: Child
  readonly listening: Listening
  readonly idleRssBytes: number
  loadedRssBytes: number
}

const startServer = async (id: ServerVariantId, dir: string): Promise<ServerChild> => {
  const child = forkChild(id, "socket-server.ts", [id, join(dir, `${id}.sock`)], true)
  const listening = await child.next<Listening & { type: "ready" }>()
  const usage = await child.next<Usage>({ type: "usage" })
  return { child, listening, idleRssBytes: usage.rssBytes, loadedRssBytes: usage.rssBytes }
}

// --- running ------------------------------------------------------------------------

class Progress {
  private done = 0
  constructor(private readonly total: number, private readonly started: number) {}

  step(text: string): void {
    this.done++
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(0)
    const line = `[sockets ${this.done}/${this.total} ${elapsed} s] ${text}`
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[2K${line}` : `${line}\n`)
  }

  end(): void {
    if (process.stderr.isTTY) process.stderr.write("\n")
  }
}

const targetOf = (server: ServerChild, transport: "tcp" | "unix"): Target =>
  transport === "tcp" ? { port: server.listening.tcpPort } : { path: server.listening.unixPath }

/** One measurement, with the server's CPU time over it. */
const measureOnce = async (
  driver: Child,
  server: ServerChild,
  command: Command
): Promise<{ readonly measured: Measured; readonly cpuMicros: number; readonly minorFaults: number }> => {
  const before = await server.child.next<Usage>({ type: "usage" })
  const measured = await driver.next<Measured>(command)
  const after = await server.child.next<Usage>({ type: "usage" })
  server.loadedRssBytes = Math.max(server.loadedRssBytes, before.rssBytes, after.rssBytes)
  return { measured, cpuMicros: after.cpuMicros - before.cpuMicros, minorFaults: after.minorFaults - before.minorFaults }
}

interface Plan {
  readonly id: string
  readonly label: string
  readonly unit: "msg/s" | "MB/s"
  readonly variants: ReadonlyArray<Variant>
  /** the unmeasured warm-up run, or a measured one */
  readonly command: (variant: Variant, warmUp: boolean) => Command
  /** per message (echo) or per MiB (bulk) */
  readonly per: (measured: Measured) => number
}

const runPlan = async (
  plan: Plan,
  servers: ReadonlyMap<ServerVariantId, ServerChild>,
  driver: Child,
  progress: Progress
): Promise<CaseResult> => {
  const rate = (m: Measured) => plan.unit === "msg/s" ? m.frames / m.seconds : m.bytes / 1e6 / m.seconds
  for (const variant of plan.variants) {
    await driver.next<Measured>(plan.command(variant, true))
    progress.step(`${plan.label} · warm-up · ${variant.id}`)
  }
  const rounds: Array<Round> = []
  for (let round = 0; round < config.rounds; round++) {
    const n = plan.variants.length
    for (let k = 0; k < n; k++) {
      const variant = plan.variants[(k + round) % n]!
      const { cpuMicros, measured, minorFaults } = await measureOnce(
        driver,
        servers.get(variant.server)!,
        plan.command(variant, false)
      )
      const r = rate(measured)
      rounds.push({
        variant: variant.id,
        round,
        rate: r,
        serverCpuMicros: cpuMicros / plan.per(measured),
        serverFaults: minorFaults / plan.per(measured),
        seconds: measured.seconds
      })
      progress.step(`${plan.label} · round ${round + 1}/${config.rounds} · ${variant.id}: ${fmtRate(r)} ${plan.unit}`)
    }
  }
  const baseline = plan.variants[0]!.id
  const summaries = plan.variants.map((variant): Summary => {
    const mine = rounds.filter((r) => r.variant === variant.id)
    const base: Summary = {
      variant: variant.id,
      label: variant.label,
      medianRate: median(mine.map((r) => r.rate)),
      medianServerCpuMicros: median(mine.map((r) => r.serverCpuMicros)),
      medianServerFaults: median(mine.map((r) => r.serverFaults))
    }
    if (variant.id === baseline) return { ...base, ratio: 1, ratioMin: 1, ratioMax: 1 }
    const ratios = mine.map((r) => r.rate / rounds.find((b) => b.variant === baseline && b.round === r.round)!.rate)
    return { ...base, ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) }
  })
  return { id: plan.id, label: plan.label, unit: plan.unit, baseline, rounds, summaries }
}

const selected = <A extends { readonly id: string }>(all: ReadonlyArray<A>, filter: string | undefined, match: (a: A, f: string) => boolean) =>
  filter === undefined ? all : all.filter((a) => filter.split(",").some((f) => match(a, f.trim())))

export const socketBench = async (): Promise<Results> => {
  const started = performance.now()
  const loadAtStart = loadavg()
  const variants = selected(echoVariants, env.BENCH_VARIANTS, (v, f) => v.id === f)
  // The ratios need the baseline: it runs whenever any echo variant does.
  const echo = variants.length > 0 && variants[0]!.id !== BASELINE ? [echoVariants[0]!, ...variants] : variants
  const cases = echo.length === 0 ? [] : selected(echoCases, env.BENCH_CASES, (c, f) => c.id.includes(f))
  const bulkTransports = (["tcp", "unix"] as const).filter((t) =>
    env.BENCH_CASES === undefined || env.BENCH_CASES.split(",").some((f) => `bulk-${t}`.includes(f.trim()))
  )
  const bulk = bulkTransports.length > 0 ? bulkVariants : []

  const dir = mkdtempSync(join(tmpdir(), "effect-net-bench-"))
  const servers = new Map<ServerVariantId, ServerChild>()
  const driver = forkChild("driver", "socket-driver.ts", [], env.BENCH_PROFILE_DRIVER === "1")
  try {
    const needed = new Set([...(cases.length > 0 ? echo : []), ...bulk].map((v) => v.server))
    for (const id of needed) servers.set(id, await startServer(id, dir))
    const steps = cases.length * echo.length * (config.rounds + 1) + bulkTransports.length * bulk.length * (config.rounds + 1)
    const progress = new Progress(steps, started)
    const results: Array<CaseResult> = []
    for (const c of cases) {
      results.push(
        await runPlan({
          id: c.id,
          label: c.label,
          unit: "msg/s",
          variants: echo,
          command: (variant, warmUp) => ({
            type: c.mode,
            target: targetOf(servers.get(variant.server)!, c.transport),
            size: c.size,
            seconds: warmUp ? config.warmUpSeconds : config.roundSeconds,
            windowBytes: config.windowBytes
          }),
          per: (m) => m.frames
        }, servers, driver, progress)
      )
    }
    for (const transport of bulkTransports) {
      results.push(
        await runPlan({
          id: `bulk-${transport}`,
          label: `${transport} bulk one way ${config.bulkBytes / 1024 / 1024} MiB`,
          unit: "MB/s",
          variants: bulk,
          command: (variant, warmUp) => ({
            type: "bulk",
            target: targetOf(servers.get(variant.server)!, transport),
            bytes: warmUp ? config.bulkWarmUpBytes : config.bulkBytes,
            via: bulk.find((b) => b.id === variant.id)!.via
          }),
          per: (m) => m.bytes / 1024 / 1024
        }, servers, driver, progress)
      )
    }
    progress.end()
    const memory: Array<ServerMemory> = []
    for (const [variant, server] of servers) {
      const usage = await server.child.next<Usage>({ type: "usage" })
      memory.push({
        variant,
        idleRssBytes: server.idleRssBytes,
        loadedRssBytes: server.loadedRssBytes,
        peakRssBytes: usage.maxRssBytes
      })
    }
    return {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
      loadAtStart,
      loadAtEnd: loadavg(),
      config,
      command: commandLine(),
      cases: results,
      memory,
      seconds: (performance.now() - started) / 1000
    }
  } finally {
    await Promise.all([driver.stop(), ...Array.from(servers.values(), (s) => s.child.stop())])
    rmSync(dir, { recursive: true, force: true })
  }
}

const commandLine = (): string => {
  const knobs = Object.entries(env).filter(([k]) => k.startsWith("BENCH_")).map(([k, v]) => `${k}=${v}`)
  return [...knobs, "node", ...process.execArgv, ...process.argv.slice(1).map((a) => a.replace(`${process.cwd()}/`, ""))]
    .join(" ")
}

/**
 * Runs the socket bench, prints its tables, writes results.json (with the
 * decode figures too when main.ts ran that bench first) and results.svg.
 */
export const socketBenchAndReport = async (decode?: ReadonlyArray<DecodeFigure>): Promise<void> => {
  const results = await socketBench()
  printReport(results)
  const json = env.BENCH_RESULTS ?? join(here, "results.json")
  writeFileSync(json, JSON.stringify(decode === undefined ? results : { ...results, decode }, null, 2) + "\n")
  writeFileSync(join(dirname(json), "results.svg"), renderChart(results))
  console.log(`Wrote ${json} and results.svg beside it; socket bench runtime ${results.seconds.toFixed(0)} s.`)
}

if (isEntry(import.meta.url)) {
  socketBenchAndReport().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
