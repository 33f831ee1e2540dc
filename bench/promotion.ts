/**
 * Dead frames promoted wholesale in the batched decode harness (PROFILE.md,
 * "After 5"): in some processes `heapUsed` climbs to ~500 MiB per 64 MiB
 * decoded, scavenges free about a third of the new space, and frames that
 * died as soon as they were drained stay in the old generation until the
 * next mark-compact; in others it stays at the input's ~130 MiB. One process
 * per run, since the mode a process falls into decides the figure. The cause
 * is V8's allocation-site pretenuring (`--no-allocation-site-pretenuring`
 * stops it): a site whose objects often outlive a scavenge is switched to
 * allocate in the old generation, where each dead object keeps the young ones
 * it points to alive until a mark-compact. `ByteQueue`'s fresh array per
 * drain was such a site (fixed: it is emptied in place); run this with
 * `--trace-pretenuring-statistics` to see whether a site is still tenured.
 *
 *   node --import tsx bench/promotion.ts            (every shape, PROMOTION_RUNS=3 processes each)
 *   node --import tsx bench/promotion.ts <shape>    (one process)
 *
 * Input: 64 MiB of 16 B length-prefixed frames in 64 B chunks, decoded by
 * `Framing.lengthPrefixed().decode` and drained (`Stream.runDrain`), five
 * timed passes after a warm-up one. Shapes:
 *
 * - `batched`: 4096 input chunks per pull (`Stream.fromIterable`, as the
 *   decode bench); the decoder writes a pull's ~13,000 frames in batches of 4096;
 * - `one-write`: 1024 input chunks per pull (`Stream.fromIteratorSucceed(.., 1024)`),
 *   ~3,300 frames, one write per pull;
 * - `rechunk`: as `one-write`, then Effect's own `Stream.rechunk(512)`.
 *
 * Per process: the best MB/s and the peak `heapUsed` after a pass.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Framing from "../src/Framing.js"
import { isEntry } from "./entry.js"
import { Wire } from "./input.js"

const MODES = ["batched", "one-write", "rechunk"] as const
type Mode = typeof MODES[number]
const RUNS = Number(process.env.PROMOTION_RUNS ?? 3)

const runMode = async (mode: Mode): Promise<void> => {
  const wire = new Wire(16, 64 * 1024 * 1024)
  const chunks = wire.cut(wire.frameCount, 64)
  const framer = Framing.lengthPrefixed()
  const stream = () => {
    const smallPulls = () => Stream.fromIteratorSucceed(chunks[Symbol.iterator]() as IterableIterator<Uint8Array>, 1024)
    switch (mode) {
      case "batched":
        return Stream.fromIterable(chunks).pipe(framer.decode)
      case "one-write":
        return smallPulls().pipe(framer.decode)
      case "rechunk":
        return smallPulls().pipe(framer.decode, Stream.rechunk(512))
    }
  }
  let best = Infinity
  let peak = 0
  for (let pass = 0; pass < 6; pass++) {
    const start = performance.now()
    await Effect.runPromise(Stream.runDrain(stream()))
    if (pass > 0) best = Math.min(best, performance.now() - start)
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }
  const mbps = (wire.frameCount * wire.wireSize) / best / 1000
  console.log(`${mode}: ${mbps.toFixed(0)} MB/s, peak heapUsed ${(peak / 2 ** 20).toFixed(0)} MiB`)
}

if (isEntry(import.meta.url)) {
  const mode = process.argv[2] as Mode | undefined
  if (mode !== undefined) {
    if (!MODES.includes(mode)) throw new Error(`mode must be one of ${MODES.join(", ")}`)
    await runMode(mode)
  } else {
    const self = fileURLToPath(import.meta.url)
    for (let run = 0; run < RUNS; run++) {
      for (const m of MODES) {
        const child = spawnSync(process.execPath, [...process.execArgv, self, m], { encoding: "utf8", timeout: 120_000 })
        process.stdout.write(child.stdout || `${m}: failed (${child.status}) ${child.stderr}\n`)
      }
    }
  }
}
