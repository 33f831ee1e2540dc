/**
 * Where a bulk receiver's CPU goes: the socket bench's bulk case splits into
 * what effect-net's read-ahead policy costs in plain Node and what Effect
 * adds on top. Three receivers of the same one-way stream over a Unix socket,
 * each in a process of its own, rounds alternated:
 *
 * - `raw`: a 'data' listener that counts bytes (the bench's raw receiver);
 * - `raw-paused`: plain Node run the way effect-net's socket runs: chunks
 *   held until a consumer takes them all at the next `setImmediate`, the
 *   socket paused while 256 KiB wait (effect-net's `readAheadMark`) and
 *   resumed when they are taken;
 * - `effect-net`: `Server.serve` with `connection.read` folded (the bench's
 *   effect-net receiver).
 *
 * Each prints user and system CPU per MiB and how many chunks a take got.
 * The sender is a raw `node:net` process writing 64 KiB at a time.
 *
 *   MALLOC_TRIM_THRESHOLD_=268435456 node --import tsx bench/read-ahead.ts
 *
 * (the variable keeps glibc from handing freed 64 KiB buffers back to the
 * kernel, which on this VM costs 11–15 µs a page to fetch again: PROFILE.md,
 * "After 8"). READ_AHEAD_ROUNDS (5), READ_AHEAD_MIB (2048, after 1024 unmeasured).
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { fork, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Address, Server } from "../src/index.js"
import { isEntry } from "./entry.js"

const here = fileURLToPath(import.meta.url)
const MiB = 1024 * 1024
const ROUNDS = Number(process.env.READ_AHEAD_ROUNDS ?? 5)
const MEASURED_MIB = Number(process.env.READ_AHEAD_MIB ?? 2048)
const WARM_UP_MIB = 1024
/** effect-net's mark (src/internal/socket/timeouts.ts), copied: the bench uses the public modules only */
const MARK = 256 * 1024
const variants = ["raw", "raw-paused", "effect-net"] as const
type VariantId = typeof variants[number]

interface Figure {
  readonly variant: VariantId
  readonly user: number
  readonly system: number
  readonly takesPerMiB: number
}

/** The sender: `mib` MiB in 64 KiB writes, then EOF; exits when the receiver closes. */
const send = (path: string, mib: number): void => {
  const chunk = Buffer.alloc(64 * 1024, 1)
  const socket = Net.connect(path, async () => {
    for (let sent = 0; sent < mib * MiB; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve))
    }
    socket.end()
  })
  socket.resume()
  socket.on("close", () => process.exit(0))
}

/** Counts the receiver's takes: a pull of `connection.read`, or a `consume` of `raw-paused`. */
const takes = () => {
  let count = 0
  return { take: () => void count++, count: () => count, reset: () => void (count = 0) }
}

/** Starts the receiver on `path`; resolves once it listens. */
const receive = async (variant: VariantId, path: string, taken: ReturnType<typeof takes>): Promise<void> => {
  if (variant === "effect-net") {
    const listening = Effect.runPromise(Effect.gen(function*() {
      yield* Server.serve(Address.unix(path), (connection) =>
        connection.read.pipe(
          Stream.mapChunks((chunk) => {
            taken.take()
            return chunk
          }),
          Stream.runFold(0, (total, bytes) => total + bytes.length)
        ))
      yield* Effect.never
    }).pipe(Effect.scoped))
    listening.catch((error: unknown) => {
      console.error(error)
      process.exit(1)
    })
    for (let i = 0; i < 100 && !(await canConnect(path)); i++) await new Promise((r) => setTimeout(r, 20))
    return
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
        if (buffered >= MARK) socket.pause()
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

const canConnect = (path: string) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect(path, () => {
      socket.destroy()
      resolve(true)
    })
    socket.on("error", () => resolve(false))
  })

const sendFrom = (path: string, mib: number) =>
  new Promise<void>((resolve, reject) => {
    const child = fork(here, ["send", path, String(mib)], { execArgv: ["--import", "tsx"] })
    child.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`sender exited with ${code}`)))
  })

/** One receiver process: warm up, measure, print its figure as JSON. */
const serveOnce = async (variant: VariantId): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "read-ahead-"))
  const path = join(dir, "socket")
  try {
    const taken = takes()
    await receive(variant, path, taken)
    await sendFrom(path, WARM_UP_MIB)
    taken.reset()
    const before = process.cpuUsage()
    await sendFrom(path, MEASURED_MIB)
    const cpu = process.cpuUsage(before)
    const figure: Figure = {
      variant,
      user: cpu.user / MEASURED_MIB,
      system: cpu.system / MEASURED_MIB,
      takesPerMiB: taken.count() / MEASURED_MIB
    }
    console.log(JSON.stringify(figure))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  process.exit(0)
}

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const main = (): void => {
  const figures: Array<Figure> = []
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length]!
      const run = spawnSync(process.execPath, ["--import", "tsx", here, "serve", variant], {
        encoding: "utf8",
        timeout: 120_000
      })
      const line = run.stdout.trim().split("\n").pop() ?? ""
      if (run.status !== 0 || !line.startsWith("{")) throw new Error(`${variant}: ${run.stderr || run.stdout}`)
      figures.push(JSON.parse(line) as Figure)
      process.stderr.write(`  round ${round + 1}/${ROUNDS} ${variant}: ${line}\n`)
    }
  }
  const of = (variant: VariantId, pick: (f: Figure) => number) =>
    median(figures.filter((f) => f.variant === variant).map(pick))
  const rawUser = of("raw", (f) => f.user)
  const rawTotal = of("raw", (f) => f.user + f.system)
  console.log(
    `| receiver (${MEASURED_MIB} MiB over a Unix socket, median of ${ROUNDS}) | user µs/MiB | × raw | system µs/MiB | user + system × raw | takes/MiB |`
  )
  console.log(`|---|---:|---:|---:|---:|---:|`)
  for (const variant of variants) {
    const user = of(variant, (f) => f.user)
    const total = of(variant, (f) => f.user + f.system)
    const takesPerMiB = variant === "raw" ? "–" : of(variant, (f) => f.takesPerMiB).toFixed(1)
    console.log(
      `| ${variant} | ${user.toFixed(0)} | ${(user / rawUser).toFixed(2)} | ${
        of(variant, (f) => f.system).toFixed(0)
      } | ${(total / rawTotal).toFixed(2)} | ${takesPerMiB} |`
    )
  }
}

if (isEntry(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2)
  if (mode === "send") send(a!, Number(b))
  else if (mode === "serve") void serveOnce(a as VariantId)
  else main()
}
