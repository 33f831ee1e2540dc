/**
 * A reproduction with Effect alone (no effect-net) of the trap behind
 * bench/PROFILE.md "After 6", for a report to Effect: an `Effect.async` whose
 * register returns a canceler is wrapped in `onInterrupt` / `onExit`, whose
 * option-object literals V8's allocation-site pretenuring switches to
 * old-generation allocation once start-up made them survivors; from then on
 * every such wait leaves dead old objects that keep its young ones alive
 * through every scavenge until a mark-compact.
 *
 *   node --import tsx bench/pretenure-async.ts
 *
 * Start-up: 2,000 fibers parked for good on an `Effect.async` with a
 * canceler (a server's accept loops, layers, never-ending fibers do the
 * same), then a few scavenges so V8 sees those sites' objects survive. Then
 * 300,000 waits in a row, each woken by `setImmediate`, with or without a
 * canceler. One child process per (wait kind, flag), since the decision is
 * per process; each prints µs per wait, the scavenges' total pause and the
 * old space's growth.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { PerformanceObserver } from "node:perf_hooks"
import * as v8 from "node:v8"
import * as Effect from "effect/Effect"
import { isEntry } from "./entry.js"

const WAITS = Number(process.env.PRETENURE_WAITS ?? 300_000)
const PARKED = 2_000

const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size

const wait = (canceler: boolean) =>
  Effect.async<void>((resume) => {
    const handle = setImmediate(() => resume(Effect.void))
    if (canceler) return Effect.sync(() => clearImmediate(handle))
  })

const child = async (canceler: boolean): Promise<void> => {
  // long-lived waits with a canceler, as any server has at start-up
  for (let i = 0; i < PARKED; i++) Effect.runFork(Effect.async<void>(() => Effect.void))
  await new Promise((resolve) => setTimeout(resolve, 10))
  // scavenges while they are young and alive
  const junk: Array<unknown> = []
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 50_000; i++) junk.push({ i })
    junk.length = 0
    await new Promise((resolve) => setImmediate(resolve))
  }
  let scavengeMs = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavengeMs += entry.duration
    }
  })
  observer.observe({ entryTypes: ["gc"] })
  const before = oldSpace()
  const start = performance.now()
  await Effect.runPromise(Effect.repeatN(wait(canceler), WAITS - 1))
  const seconds = (performance.now() - start) / 1000
  observer.disconnect()
  console.log(JSON.stringify({
    usPerWait: (seconds * 1e6) / WAITS,
    scavengeMs,
    oldGrowthMiB: (oldSpace() - before) / 2 ** 20
  }))
  process.exit(0)
}

const main = (): void => {
  const self = fileURLToPath(import.meta.url)
  console.log(`${WAITS} waits after ${PARKED} long-lived ones; one process each`)
  console.log()
  console.log("| wait | node flags | µs per wait | scavenge pauses, ms | old space growth, MiB |")
  console.log("|---|---|---:|---:|---:|")
  for (const canceler of [true, false]) {
    for (const flags of [[], ["--no-allocation-site-pretenuring"]]) {
      for (let run = 0; run < 2; run++) {
        const out = spawnSync(process.execPath, [...flags, ...process.execArgv, self, canceler ? "canceler" : "none"], {
          encoding: "utf8",
          timeout: 120_000
        })
        const line = out.stdout.trim().split("\n").pop() ?? ""
        const r = JSON.parse(line) as { usPerWait: number; scavengeMs: number; oldGrowthMiB: number }
        console.log(
          `| ${canceler ? "`Effect.async` returning a canceler" : "`Effect.async`, no canceler"} | ${
            flags.join(" ") || "(none)"
          } | ${r.usPerWait.toFixed(2)} | ${r.scavengeMs.toFixed(0)} | ${r.oldGrowthMiB.toFixed(1)} |`
        )
      }
    }
  }
}

if (isEntry(import.meta.url)) {
  const mode = process.argv[2]
  if (mode === "canceler" || mode === "none") void child(mode === "canceler")
  else main()
}
