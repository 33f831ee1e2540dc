/**
 * Decoding benchmark: effect-net's `Framing.lengthPrefixed().decode` against
 * the best hand-written decoder (bench/handwritten.ts: frames to a callback,
 * spanning frames in `Buffer.allocUnsafe`; the ceiling), the naive
 * Buffer.concat-per-chunk decoder and it-length-prefixed. Every variant of
 * every case runs in each of BENCH_DECODE_PROCESSES processes (3), one after
 * another; a ratio is taken within a process and its median over the
 * processes is the figure (the ceiling alone moves up to 5x between processes).
 *
 *   node --import tsx bench/decode.ts             (this table alone; `npm run bench` runs it and then the socket bench)
 *   BENCH_MIB=16 BENCH_REPS=1 BENCH_DECODE_PROCESSES=1 node --import tsx bench/decode.ts     (quicker, rougher)
 *
 * Every case is ~64 MiB of wire bytes (4-byte big-endian length + body) cut
 * into Buffer views of the chunk size, as node:net delivers Buffers. A
 * variant whose full run would take longer than MAX_REP_SECONDS runs on a
 * prefix of whole frames instead (shown in the "input" column); throughput
 * does not depend on the number of frames, only the noise does. Every run's
 * output is checked against a checksum taken straight off the wire.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import { cpus, loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { delimiterScaling } from "./delimiters.js"
import { isEntry } from "./entry.js"
import { median } from "./median.js"
import { Tally, Wire } from "./input.js"
import {
  effectBatched,
  effectCeiling,
  effectOnePerPull,
  itLengthPrefixed,
  naive,
  naiveCopiesPerFrame,
  onePerPull,
  plain,
  sourceOnly,
  type Variant
} from "./variants.js"

const KiB = 1024
const MiB = 1024 * KiB
/** BENCH_QUICK=1: smaller inputs and one round unless BENCH_MIB / BENCH_REPS say otherwise */
const QUICK = process.env.BENCH_QUICK === "1"
const INPUT_BYTES = Number(process.env.BENCH_MIB ?? (QUICK ? 16 : 64)) * MiB
const REPS = Number(process.env.BENCH_REPS ?? (QUICK ? 1 : 3))
/**
 * Processes, one after another, each measuring every case: the ceiling
 * itself moves up to 5× between processes (where the input lands in memory,
 * and which allocation sites V8 pretenures), so one process decides nothing.
 */
const PROCESSES = Number(process.env.BENCH_DECODE_PROCESSES ?? (QUICK ? 1 : 3))
/** a timed run longer than this is shortened to a prefix of the input */
const MAX_REP_SECONDS = 1.5
/**
 * Warm-up (and time probe) input: at least 4 MiB and 4096 input chunks, so
 * Effect's runtime is optimized before timing even where chunks are large.
 * (No forced GC between runs: a global.gc() throws away optimized code and
 * made the next Effect run ~10× slower.)
 */
const PROBE_BYTES = 4 * MiB
const PROBE_CHUNKS = 4096
/** runs shorter than this are at the mercy of one GC pause: take the best of more of them */
const SHORT_RUN_SECONDS = 0.2
const SHORT_RUN_REPS = 10
/** the naive decoder is skipped when one frame alone would make it copy more than this */
const NAIVE_MAX_COPY_PER_FRAME = 2 * 1024 * MiB

/** BENCH_FRAME_SIZES / BENCH_CHUNK_SIZES: comma-separated byte counts, to run some cells only */
const sizes = (name: string, all: ReadonlyArray<number>): ReadonlyArray<number> =>
  process.env[name] === undefined ? all : process.env[name]!.split(",").map(Number)
const FRAME_SIZES = sizes("BENCH_FRAME_SIZES", [16, KiB, 64 * KiB, MiB])
const CHUNK_SIZES = sizes("BENCH_CHUNK_SIZES", [64, 1460, 64 * KiB])
/** BENCH_DECODE_VARIANTS: a comma-separated subset of the variants' names (the ceiling always runs) */
const VARIANTS: ReadonlyArray<Variant> = [
  plain,
  effectBatched,
  effectCeiling,
  effectOnePerPull,
  sourceOnly,
  itLengthPrefixed,
  naive
].filter((v) => v === plain || process.env.BENCH_DECODE_VARIANTS?.split(",").includes(v.name) !== false)
/** some cells or variants only: the targets and the delimiter table need them all */
const PARTIAL = ["BENCH_FRAME_SIZES", "BENCH_CHUNK_SIZES", "BENCH_DECODE_VARIANTS"].some((n) => process.env[n] !== undefined)

/** One variant's figure for one case in one process (JSON between the processes). */
interface Figure {
  readonly variant: string
  readonly frameSize: number
  readonly chunkSize: number
  /** undefined: skipped */
  readonly seconds?: number
  readonly bytes: number
  readonly frames: number
  readonly chunks: number
  readonly reduced: boolean
  readonly note?: string
}

const fmtSize = (n: number): string =>
  n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= KiB && n % KiB === 0 ? `${n / KiB} KiB` : `${n} B`
const fmtNum = (n: number, digits = 3): string => {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(digits)} G`
  if (n >= 1e6) return `${(n / 1e6).toPrecision(digits)} M`
  if (n >= 1e3) return `${(n / 1e3).toPrecision(digits)} k`
  return n.toPrecision(digits)
}
const figureMbps = (f: Figure): number => f.bytes / f.seconds! / 1e6

const runOnce = async (variant: Variant, chunks: ReadonlyArray<Uint8Array>, expected: Tally | undefined) => {
  const tally = new Tally()
  const start = performance.now()
  await variant.run(chunks, tally)
  const seconds = (performance.now() - start) / 1000
  if (expected !== undefined && !tally.equals(expected)) {
    throw new Error(`${variant.name}: wrong output: got ${tally}, expected ${expected}`)
  }
  return seconds
}

interface Plan {
  readonly variant: Variant
  readonly frames: number
  readonly chunks: ReadonlyArray<Uint8Array>
  readonly expected: Tally | undefined
  /** expected seconds per timed run */
  readonly estimate: number
  best: number
}

/**
 * Warm a variant up on a prefix of the input and decide how much of the input
 * it gets: all of it, unless one run would exceed MAX_REP_SECONDS.
 */
const plan = async (variant: Variant, wire: Wire, chunkSize: number): Promise<Plan | Figure> => {
  // sourceOnly counts input chunks, not frames: no checksum to compare
  const check = (frames: number) => variant === sourceOnly ? undefined : wire.expected(frames)
  if (variant === naive) {
    const copies = naiveCopiesPerFrame(wire.wireSize, chunkSize)
    if (copies > NAIVE_MAX_COPY_PER_FRAME) {
      return {
        variant: variant.name,
        frameSize: wire.frameSize,
        chunkSize,
        bytes: 0,
        frames: 0,
        chunks: 0,
        reduced: false,
        note: `skipped (quadratic): re-copies ~${(copies / 2 ** 30).toFixed(0)} GiB of backlog per frame`
      }
    }
  }
  const probeBytes = Math.max(PROBE_BYTES, PROBE_CHUNKS * chunkSize)
  const probeFrames = Math.min(wire.frameCount, Math.max(2, Math.ceil(probeBytes / wire.wireSize)))
  const probeChunks = wire.cut(probeFrames, chunkSize)
  const probeSeconds = await runOnce(variant, probeChunks, check(probeFrames))
  const estimate = (probeSeconds * wire.frameCount) / probeFrames
  let frames = wire.frameCount
  if (estimate > MAX_REP_SECONDS) {
    frames = Math.max(probeFrames, Math.floor((wire.frameCount * MAX_REP_SECONDS) / estimate))
  }
  const chunks = frames === probeFrames ? probeChunks : wire.cut(frames, chunkSize)
  const estimateRun = (probeSeconds * frames) / probeFrames
  return { variant, frames, chunks, expected: check(frames), estimate: estimateRun, best: Infinity }
}

/**
 * All variants of one case, one after another: each variant's warm-up, then
 * its REPS rounds back to back (SHORT_RUN_REPS for runs under
 * SHORT_RUN_SECONDS), best time kept. Not interleaved: a variant's run then
 * paid for the garbage the previous variant left behind (a batched run
 * promotes a lot of it), which put the one-chunk-per-pull runs at 0.2x here
 * against 0.8x in a process of their own. Back to back, the first round
 * absorbs that debt and the best round does not carry it.
 */
const measureCase = async (wire: Wire, chunkSize: number): Promise<Array<Figure>> => {
  const plans: Array<Plan | Figure> = []
  for (const variant of VARIANTS) {
    const p = await plan(variant, wire, chunkSize)
    plans.push(p)
    if (!("best" in p)) continue
    const reps = p.estimate < SHORT_RUN_SECONDS ? Math.max(REPS, SHORT_RUN_REPS) : REPS
    for (let rep = 0; rep < reps; rep++) p.best = Math.min(p.best, await runOnce(p.variant, p.chunks, p.expected))
  }
  return plans.map((p) =>
    "best" in p
      ? {
        variant: p.variant.name,
        frameSize: wire.frameSize,
        chunkSize,
        seconds: p.best,
        bytes: p.frames * wire.wireSize,
        frames: p.frames,
        chunks: p.chunks.length,
        reduced: p.frames < wire.frameCount
      }
      : p
  )
}

/** The decoder must see exactly one input chunk per pull in the one-per-pull mode. */
const checkOnePerPull = async (): Promise<void> => {
  const chunks = new Wire(100, 10 * KiB).cut(100, 64)
  const sizes = await Effect.runPromise(
    onePerPull(chunks).pipe(Stream.mapChunks((c) => Chunk.of(c.length)), Stream.runCollect)
  )
  const all = Chunk.toReadonlyArray(sizes)
  if (all.length !== chunks.length || all.some((n) => n !== 1)) {
    throw new Error(`one-per-pull source gave Stream chunks of sizes ${all.join(",")}`)
  }
}

/** Every case in this process: the figures, progress on stderr. */
const measureAll = async (): Promise<Array<Figure>> => {
  await checkOnePerPull()
  const figures: Array<Figure> = []
  for (const frameSize of FRAME_SIZES) {
    const wire = new Wire(frameSize, INPUT_BYTES)
    for (const chunkSize of CHUNK_SIZES) {
      for (const figure of await measureCase(wire, chunkSize)) {
        figures.push(figure)
        process.stderr.write(
          `  ${fmtSize(frameSize)} frames / ${fmtSize(chunkSize)} chunks / ${figure.variant}: ${
            figure.seconds === undefined ? figure.note : `${figureMbps(figure).toFixed(0)} MB/s`
          }\n`
        )
      }
    }
  }
  return figures
}

/**
 * One variant in one case over every process: MB/s and the other figures are
 * medians over the processes; the ratio is taken within each process (to
 * that process's ceiling in the same case) and then its median and range.
 */
interface Cell {
  readonly variant: Variant
  readonly frameSize: number
  readonly chunkSize: number
  /** undefined: skipped (see note) */
  readonly mbps?: number
  readonly framesPerSecond: number
  readonly usPerChunk: number
  readonly ratio: number
  readonly ratioMin: number
  readonly ratioMax: number
  readonly bytes: number
  readonly reduced: boolean
  readonly note?: string
  /** this variant's figure in each process, in process order */
  readonly perProcess: ReadonlyArray<Figure>
}

const aggregate = (runs: ReadonlyArray<ReadonlyArray<Figure>>): Array<Cell> => {
  const cells: Array<Cell> = []
  for (const frameSize of FRAME_SIZES) {
    for (const chunkSize of CHUNK_SIZES) {
      const pick = (run: ReadonlyArray<Figure>, name: string) =>
        run.find((f) => f.variant === name && f.frameSize === frameSize && f.chunkSize === chunkSize)!
      for (const variant of VARIANTS) {
        const figures = runs.map((run) => pick(run, variant.name))
        const first = figures[0]!
        // each process shortens a slow variant's input on its own
        const base = {
          variant,
          frameSize,
          chunkSize,
          bytes: median(figures.map((f) => f.bytes)),
          reduced: figures.some((f) => f.reduced),
          perProcess: figures
        }
        if (first.seconds === undefined) {
          cells.push({ ...base, framesPerSecond: NaN, usPerChunk: NaN, ratio: NaN, ratioMin: NaN, ratioMax: NaN, note: first.note ?? "skipped" })
          continue
        }
        const ratios = runs.map((run, i) => figureMbps(figures[i]!) / figureMbps(pick(run, plain.name)))
        cells.push({
          ...base,
          mbps: median(figures.map(figureMbps)),
          framesPerSecond: median(figures.map((f) => f.frames / f.seconds!)),
          usPerChunk: median(figures.map((f) => (f.seconds! / f.chunks) * 1e6)),
          ratio: median(ratios),
          ratioMin: Math.min(...ratios),
          ratioMax: Math.max(...ratios)
        })
      }
    }
  }
  return cells
}

type Find = (variant: Variant, frameSize: number, chunkSize: number) => Cell

/** A figure that combines cells, computed within each process and then its median over them. */
const withinProcess = (cells: ReadonlyArray<Cell>, f: (figures: ReadonlyArray<Figure>) => number): number =>
  median(cells[0]!.perProcess.map((_, i) => f(cells.map((c) => c.perProcess[i]!))))
const usPerChunk = (f: Figure): number => (f.seconds! / f.chunks) * 1e6

const targets = (find: Find): void => {
  console.log(`## Targets (median ratio over the processes; min–max)`)
  console.log()
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL")
  const show = (c: Cell) => `${c.ratio.toFixed(2)}× (${c.ratioMin.toFixed(2)}–${c.ratioMax.toFixed(2)})`
  for (const frameSize of FRAME_SIZES) {
    const min = frameSize >= KiB ? 0.8 : 0.5
    for (const chunkSize of CHUNK_SIZES) {
      const c = find(effectBatched, frameSize, chunkSize)
      console.log(
        `- ${verdict(c.ratio >= min)} batched ≥ ${min}× ceiling, ${fmtSize(frameSize)} frames in ${fmtSize(chunkSize)} chunks: ${
          show(c)
        }`
      )
    }
  }
  for (const frameSize of FRAME_SIZES) {
    const c = find(effectOnePerPull, frameSize, 64 * KiB)
    console.log(`- ${verdict(c.ratio >= 0.7)} 1 chunk/pull ≥ 0.7× ceiling, ${fmtSize(frameSize)} frames in 64 KiB chunks: ${show(c)}`)
  }
  console.log(
    `- per-pull overhead (1 chunk/pull µs per input chunk − plain µs per input chunk); ` +
      `of which the source + runner alone (runDrain), and the rest (decoder, adapter, consumer):`
  )
  for (const chunkSize of [64, 1460]) {
    for (const frameSize of FRAME_SIZES) {
      const cells = [effectOnePerPull, plain, sourceOnly].map((v) => find(v, frameSize, chunkSize))
      const total = withinProcess(cells, ([one, ceiling]) => usPerChunk(one!) - usPerChunk(ceiling!))
      const source = withinProcess(cells, ([, , alone]) => usPerChunk(alone!))
      const rest = withinProcess(cells, ([one, ceiling, alone]) => usPerChunk(one!) - usPerChunk(ceiling!) - usPerChunk(alone!))
      console.log(
        `  - ${fmtSize(chunkSize)} chunks, ${fmtSize(frameSize)} frames: ${total.toFixed(2)} µs/pull ` +
          `(source + runner ${source.toFixed(2)} µs, rest ${rest.toFixed(2)} µs)`
      )
    }
  }
  for (const variant of [effectBatched, effectOnePerPull, plain]) {
    const cells = [find(variant, MiB, 64), find(variant, MiB, 64 * KiB)]
    const factor = withinProcess(cells, ([small, large]) => figureMbps(large!) / figureMbps(small!))
    const target = variant === effectBatched
    console.log(
      `- ${target ? verdict(factor <= 2) : "info"} 1 MiB frames in 64 B chunks ≤ 2× the time of 64 KiB chunks, ` +
        `${variant.name}: ${factor.toFixed(2)}× (median of the processes' own; ${cells[0]!.mbps!.toFixed(0)} vs ${
          cells[1]!.mbps!.toFixed(0)
        } MB/s, medians)` +
        (target ? "" : variant === plain ? " (the ceiling's own factor)" : " (includes 16k pulls per frame)")
    )
  }
  {
    // a quadratic path makes the time per byte grow with the frame size; a linear one does not
    const cells = [find(effectBatched, 64 * KiB, 64), find(effectBatched, MiB, 64)]
    const factor = withinProcess(cells, ([mid, big]) => figureMbps(mid!) / figureMbps(big!))
    console.log(
      `- info linearity, effect-net batched at 64 B chunks: 64 KiB frames ${factor.toFixed(2)}× the MB/s of 1 MiB frames ` +
        `(median of the processes' own; ${cells[0]!.mbps!.toFixed(0)} vs ${cells[1]!.mbps!.toFixed(0)} MB/s, medians; ` +
        `quadratic work would make 1 MiB frames ~16× slower per byte)`
    )
  }
  console.log()
}

/** One decode figure, as bench/results.json keeps it. */
export interface DecodeFigure {
  readonly frameSize: number
  readonly chunkSize: number
  readonly variant: string
  /** undefined: skipped (see note); medians over the processes */
  readonly mbps?: number
  readonly framesPerSecond?: number
  /** MB/s ÷ the ceiling's MB/s in the same case and process: median, min, max over the processes */
  readonly ratio?: number
  readonly ratioMin?: number
  readonly ratioMax?: number
  readonly inputBytes: number
  readonly note?: string
}

/** The figures of one process, as JSON on stdout (BENCH_DECODE_CHILD=1: what the parent reads). */
const CHILD = process.env.BENCH_DECODE_CHILD === "1"

/** Measure in a process of its own; its progress lines go to our stderr. */
const measureInChild = (index: number): Array<Figure> => {
  process.stderr.write(`decode: process ${index + 1} of ${PROCESSES}\n`)
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_DECODE_CHILD: "1" },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * MiB,
    timeout: 30 * 60 * 1000
  })
  if (child.status !== 0) throw new Error(`decode bench process ${index + 1} failed (${child.status ?? child.signal})`)
  return JSON.parse(child.stdout) as Array<Figure>
}

/** Prints the decode tables (markdown) to stdout, progress to stderr; returns every figure. */
export const decodeBench = async (): Promise<Array<DecodeFigure>> => {
  const started = performance.now()
  console.log(`# effect-net decode benchmark`)
  console.log()
  console.log(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}; ` +
      `${PROCESSES} processes one after another, each measuring every case: ` +
      `${INPUT_BYTES / MiB} MiB of wire bytes per case, best of ${REPS} back-to-back rounds (${SHORT_RUN_REPS} for runs < ${SHORT_RUN_SECONDS} s) after a warm-up of ≥ ${
        PROBE_BYTES / MiB
      } MiB and ≥ ${PROBE_CHUNKS} input chunks; ` +
      `MB/s = 10^6 wire bytes (prefix included) per second, median over the processes; ` +
      `ratio = MB/s ÷ plain-JS MB/s of the same case in the same process, median (min–max) over the processes.`
  )
  const load = () => loadavg().map((n) => n.toFixed(1)).join(" ")
  console.log()
  console.log(
    `Load average at start: ${load()}` +
      (loadavg()[0]! > cpus().length * 0.5 ? ` — other processes are running; expect noise` : "")
  )
  console.log()
  const runs: Array<Array<Figure>> = []
  for (let i = 0; i < PROCESSES; i++) runs.push(measureInChild(i))
  const cells = aggregate(runs)
  const find: Find = (variant, frameSize, chunkSize) =>
    cells.find((c) => c.variant === variant && c.frameSize === frameSize && c.chunkSize === chunkSize)!

  console.log(`## Results`)
  console.log()
  console.log(`| frame | chunk | variant | input | MB/s | frames/s | µs/input chunk | × ceiling |`)
  console.log(`|---:|---:|---|---:|---:|---:|---:|---:|`)
  for (const c of cells) {
    const head = `| ${fmtSize(c.frameSize)} | ${fmtSize(c.chunkSize)} | ${c.variant.name} |`
    if (c.mbps === undefined) {
      console.log(`${head} — | ${c.note} | | | |`)
      continue
    }
    const input = `${(c.bytes / MiB).toFixed(c.bytes < 10 * MiB ? 1 : 0)} MiB${c.reduced ? " *" : ""}`
    const isDecoder = c.variant !== sourceOnly
    console.log(
      `${head} ${input} | ${c.mbps.toFixed(0)} | ${isDecoder ? fmtNum(c.framesPerSecond) : "—"} | ${
        c.usPerChunk.toFixed(3)
      } | ${isDecoder ? c.ratio.toFixed(2) : "—"} |`
    )
  }
  console.log()
  console.log(
    `\\* shortened to a prefix of whole frames so one run stays under ~${MAX_REP_SECONDS} s ` +
      `(throughput is per byte; only the sample is smaller).`
  )
  console.log()

  console.log(`## Ratio to the plain-JS ceiling (median over the processes; min–max)`)
  console.log()
  const decoders = VARIANTS.filter((v) => v !== plain && v !== sourceOnly)
  console.log(`| frame | chunk | plain MB/s | ${decoders.map((v) => v.name).join(" | ")} |`)
  console.log(`|---:|---:|---:|${decoders.map(() => "---:").join("|")}|`)
  for (const frameSize of FRAME_SIZES) {
    for (const chunkSize of CHUNK_SIZES) {
      const shown = decoders.map((v) => {
        const c = find(v, frameSize, chunkSize)
        if (c.mbps === undefined) return "skipped"
        return PROCESSES === 1
          ? c.ratio.toFixed(2)
          : `${c.ratio.toFixed(2)} (${c.ratioMin.toFixed(2)}–${c.ratioMax.toFixed(2)})`
      })
      console.log(
        `| ${fmtSize(frameSize)} | ${fmtSize(chunkSize)} | ${find(plain, frameSize, chunkSize).mbps!.toFixed(0)} | ${
          shown.join(" | ")
        } |`
      )
    }
  }
  console.log()

  if (!PARTIAL) {
    targets(find)
    await delimiterScaling()
  }
  console.log(`Load average at end: ${load()}`)
  console.log(`Bench runtime: ${((performance.now() - started) / 1000).toFixed(0)} s`)
  console.log()
  return cells.map((c): DecodeFigure => {
    const base = { frameSize: c.frameSize, chunkSize: c.chunkSize, variant: c.variant.name, inputBytes: c.bytes }
    if (c.mbps === undefined) return c.note === undefined ? base : { ...base, note: c.note }
    const figures = { ...base, mbps: c.mbps }
    return c.variant === sourceOnly
      ? figures
      : { ...figures, framesPerSecond: c.framesPerSecond, ratio: c.ratio, ratioMin: c.ratioMin, ratioMax: c.ratioMax }
  })
}

if (isEntry(import.meta.url)) {
  const main = CHILD
    ? measureAll().then((figures) => void process.stdout.write(JSON.stringify(figures)))
    : decodeBench().then(() => undefined)
  main.catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
