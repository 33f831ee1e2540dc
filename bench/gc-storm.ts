/**
 * The bulk read side's mark-compact storm, reproduced on demand (PROFILE.md, "After 4").
 *
 *   node --expose-gc --import tsx bench/gc-storm.ts
 *   GC_STORM_FORCE=-1 node --import tsx bench/gc-storm.ts        (no forced GC: the calm mode)
 *   node --expose-gc --heap-growing-percent=200 --import tsx bench/gc-storm.ts
 *
 * An effect-net bulk receiver (`Server.serve` + `read -> runFold`) in this
 * process on a Unix socket, a raw node:net sender (64 KiB writes) in a child,
 * GC_STORM_ROUNDS (7) connections of GC_STORM_MIB (256) each. One full GC
 * (`gc()`, so --expose-gc) 100 ms into round GC_STORM_FORCE (3) puts V8 into
 * the storm, which then holds for every later round. Per round it prints the
 * receiver's CPU per MiB, the major and minor GCs (PerformanceObserver) and,
 * from a ~5 ms sampler, the median and peak of `process.memoryUsage()`
 * arrayBuffers and of the old and new spaces' used bytes.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks"
import * as v8 from "node:v8"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Address, type Connection, Server } from "../src/index.js"

const MIB = Number(process.env.GC_STORM_MIB ?? 256)
const ROUNDS = Number(process.env.GC_STORM_ROUNDS ?? 7)
const FORCE = Number(process.env.GC_STORM_FORCE ?? 3)

const dir = mkdtempSync(join(tmpdir(), "gc-storm-"))
const path = join(dir, "s.sock")
writeFileSync(
  join(dir, "sender.cjs"),
  `const net = require("node:net"); const buf = Buffer.alloc(65536, 7); const total = ${MIB} * 1048576;
const s = net.connect(process.argv[2], () => { let sent = 0; const go = () => { while (sent < total) { sent += buf.length; if (!s.write(buf)) return s.once("drain", go) } s.end() }; go() });
s.on("data", () => {}); s.on("close", () => process.exit(0))`
)

let connectionDone: (() => void) | undefined
const handler = (connection: Connection.Connection) =>
  connection.read.pipe(
    Stream.runFold(0, (count, chunk: Uint8Array) => count + chunk.length),
    Effect.andThen(() => Effect.sync(() => connectionDone?.()))
  )

let majors = 0
let minors = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minors++
  }
}).observe({ entryTypes: ["gc"] })

interface Sample {
  readonly arrayBuffers: number
  readonly old: number
  readonly young: number
}

const sample = (): Sample => {
  const spaces = new Map(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]))
  return {
    arrayBuffers: process.memoryUsage().arrayBuffers,
    old: spaces.get("old_space") ?? 0,
    young: spaces.get("new_space") ?? 0
  }
}

const quantile = (xs: ReadonlyArray<number>, q: number): string =>
  ([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! / 1e6).toFixed(1)

const round = async (r: number): Promise<void> => {
  majors = 0
  minors = 0
  const samples: Array<Sample> = []
  const timer = setInterval(() => samples.push(sample()), 5)
  if (r === FORCE) setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 100)
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  const finished = new Promise<void>((resolve) => {
    connectionDone = resolve
  })
  const sender = spawn(process.execPath, [join(dir, "sender.cjs"), path], { stdio: "inherit" })
  await finished
  await new Promise((resolve) => sender.on("exit", resolve))
  clearInterval(timer)
  const cpu = process.cpuUsage(cpu0)
  const seconds = (performance.now() - wall0) / 1000
  const of = (k: keyof Sample) => samples.map((s) => s[k])
  console.log(
    `round ${r}${r === FORCE ? " (gc() at 100 ms)" : ""}: ${(MIB * 1.048576 / seconds).toFixed(0)} MB/s, ` +
      `${((cpu.user + cpu.system) / MIB).toFixed(0)} µs/MiB, ${majors} major GCs, ${minors} minor; MB median/max: ` +
      `arrayBuffers ${quantile(of("arrayBuffers"), 0.5)}/${quantile(of("arrayBuffers"), 1)}, ` +
      `old space ${quantile(of("old"), 0.5)}/${quantile(of("old"), 1)}, new space ${quantile(of("young"), 0.5)}/${quantile(of("young"), 1)}`
  )
}

const main = async (): Promise<void> => {
  const scope = Effect.runSync(Scope.make())
  await Effect.runPromise(Scope.extend(Server.serve(Address.unix(path), handler), scope))
  try {
    for (let r = 0; r < ROUNDS; r++) await round(r)
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
