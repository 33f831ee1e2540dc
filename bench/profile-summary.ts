/**
 * Summarizes a `node --cpu-prof` profile: self time by group (our framer, our
 * socket path, the rest of effect-net, Effect's runtime, Node's streams and
 * net, native/syscalls, GC, idle), by file, and the top self-time functions.
 * Under tsx every source file is one line: the column of a function is in the
 * profile (`callFrame.columnNumber`) if a name is missing.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=30] [skipSeconds=0]
 *
 * `skipSeconds` leaves out the samples of the process's first seconds
 * (module loading, the warm-up), so the shares are of the measured rounds.
 */
import { readFileSync } from "node:fs"
import { isEntry } from "./entry.js"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const GROUPS: ReadonlyArray<readonly [string, (frame: CallFrame) => boolean]> = [
  ["idle (waiting in epoll)", (f) => f.functionName === "(idle)"],
  ["GC", (f) => f.functionName === "(garbage collector)"],
  ["effect-net framer (src/internal/framing, src/Framing)", (f) => /\/src\/(internal\/framing\/|Framing\.ts)/.test(f.url)],
  ["effect-net socket path (src/internal/socket)", (f) => /\/src\/internal\/socket\//.test(f.url)],
  ["effect-net other (src/)", (f) => /\/src\//.test(f.url) && !/node_modules/.test(f.url)],
  ["Effect Stream/Channel (channelExecutor, stream, sink, channel)", (f) =>
    /node_modules\/effect\/.*\/(channel|stream|sink|take|mailbox|queue)/i.test(f.url)],
  ["Effect runtime (fiberRuntime, core, scheduler, ...)", (f) => /node_modules\/effect\//.test(f.url)],
  ["@effect/platform", (f) => /node_modules\/@effect\//.test(f.url)],
  ["Node streams / net (node:internal/streams, node:net, ...)", (f) => /^node:/.test(f.url)],
  ["bench code", (f) => /\/bench\//.test(f.url)],
  ["native (writev/writeBuffer/read syscalls, builtins; no URL)", (f) => f.url === "" && !f.functionName.startsWith("(")],
  ["(program) / other", () => true]
]

const short = (url: string): string => url.replace(/^.*\/(node_modules\/|src\/|bench\/)/, "$1").replace(/^file:\/\//, "")

export const summarize = (profile: Profile, top: number, skipSeconds = 0): string => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfMicros = new Map<number, number>()
  // timeDeltas[i] is the time before sample i: charge it to sample i's node.
  // a sample counts if the interval it stands for starts after the skipped seconds
  let start = 0
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    if (start >= skipSeconds * 1e6) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta)
    start += delta
  })
  if (selfMicros.size === 0) throw new Error(`no samples after the first ${skipSeconds} s`)
  const total = Array.from(selfMicros.values()).reduce((a, b) => a + b, 0)
  const idle = Array.from(selfMicros).filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)")
    .reduce((a, [, t]) => a + t, 0)
  const busy = total - idle
  const groups = new Map<string, number>()
  const functions = new Map<string, number>()
  const files = new Map<string, number>()
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame
    const group = GROUPS.find(([, match]) => match(frame))![0]
    groups.set(group, (groups.get(group) ?? 0) + micros)
    if (frame.functionName === "(idle)") continue
    files.set(short(frame.url) || frame.functionName, (files.get(short(frame.url) || frame.functionName) ?? 0) + micros)
    const key = `${frame.functionName || "(anonymous)"}  ${short(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`
    functions.set(key, (functions.get(key) ?? 0) + micros)
  }
  const pct = (micros: number) => `${((micros / busy) * 100).toFixed(1)}%`
  const lines = [
    `${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy; % of busy time (idle shown against busy too)`,
    "",
    "| group | self | % busy |",
    "|---|---:|---:|",
    ...GROUPS.map(([g]) => g).filter((g) => groups.has(g)).sort((a, b) => groups.get(b)! - groups.get(a)!)
      .map((g) => `| ${g} | ${(groups.get(g)! / 1e3).toFixed(0)} ms | ${pct(groups.get(g)!)} |`),
    "",
    "| file | self | % busy |",
    "|---|---:|---:|",
    ...Array.from(files).sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([f, micros]) => `| ${f} | ${(micros / 1e3).toFixed(0)} ms | ${pct(micros)} |`),
    "",
    "| function | self | % busy |",
    "|---|---:|---:|",
    ...Array.from(functions).sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([f, micros]) => `| ${f} | ${(micros / 1e3).toFixed(0)} ms | ${pct(micros)} |`)
  ]
  return lines.join("\n")
}

if (isEntry(import.meta.url)) {
  const [file, top, skip] = process.argv.slice(2)
  const skipSeconds = Number(skip ?? 0)
  if (file === undefined || !(skipSeconds >= 0)) {
    throw new Error("usage: profile-summary.ts <file.cpuprofile> [top] [skipSeconds ≥ 0]")
  }
  console.log(summarize(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(top ?? 30), skipSeconds))
}
