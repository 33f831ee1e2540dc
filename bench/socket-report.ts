/** The socket benchmark's tables (markdown, to stdout). */
import type { CaseResult, Results, Summary } from "./sockets.js"

export const fmtRate = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0)
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0)

const ratioCell = (s: Summary): string =>
  s.ratio === undefined ? "—" : `${s.ratio.toFixed(2)}× (${s.ratioMin!.toFixed(2)}–${s.ratioMax!.toFixed(2)})`

const table = (cases: ReadonlyArray<CaseResult>, cell: (c: CaseResult, s: Summary, i: number) => string): void => {
  const first = cases[0]
  if (first === undefined) return
  console.log(`| case | ${first.summaries.map((s) => s.label).join(" | ")} |`)
  console.log(`|---|${first.summaries.map(() => "---:").join("|")}|`)
  for (const c of cases) console.log(`| ${c.label} | ${c.summaries.map((s, i) => cell(c, s, i)).join(" | ")} |`)
  console.log()
}

export const printReport = (results: Results): void => {
  const { config } = results
  const echo = results.cases.filter((c) => c.unit === "msg/s")
  const bulk = results.cases.filter((c) => c.unit === "MB/s")
  console.log(`## Sockets`)
  console.log()
  console.log(
    `node ${results.node}, ${results.cpus}; load ${results.loadAtStart.map((n) => n.toFixed(1)).join(" ")} at start, ` +
      `${results.loadAtEnd.map((n) => n.toFixed(1)).join(" ")} at end. Each server in its own process, driven by one raw ` +
      `node:net client in another; ${config.rounds} rounds of ${config.roundSeconds} s per variant and case after a warm-up, ` +
      `variants alternated round by round; streaming keeps ≤ ${config.windowBytes / 1024} KiB in flight; ` +
      `request/response has one request outstanding. Frames: 4-byte big-endian length + body.`
  )
  console.log()
  console.log(`Command: \`${results.command}\``)
  console.log()
  if (echo.length > 0) {
    console.log(`### Echo: first column msg/s (median), the others × that in the same round, median (min–max)`)
    console.log()
    table(echo, (c, s, i) =>
      i === 0
        ? `${fmtRate(s.medianRate)} msg/s${c.id.includes("-rr-") ? ` (${(1e6 / s.medianRate).toFixed(0)} µs/RTT)` : ""}`
        : ratioCell(s))
    console.log(`### Echo: server CPU time per message, µs (median; user + system) [minor page faults per message]`)
    console.log()
    table(echo, (_, s) => `${s.medianServerCpuMicros.toFixed(2)} [${s.medianServerFaults.toFixed(3)}]`)
  }
  if (bulk.length > 0) {
    console.log(
      `### Bulk one way (${mib(config.bulkBytes)} MiB, 64 KiB writes): MB/s (median), × raw, receiver CPU µs/MiB [minor page faults per MiB]`
    )
    console.log()
    table(bulk, (_, s, i) =>
      `${s.medianRate.toFixed(0)} MB/s${i === 0 ? "" : `, ${ratioCell(s)}`}, ${s.medianServerCpuMicros.toFixed(0)} µs/MiB [${
        s.medianServerFaults.toFixed(1)
      }]`)
  }
  console.log(
    `### Server memory (RSS, MiB): listening before any connection; highest seen around the rounds; the kernel's peak (getrusage, module loading included)`
  )
  console.log()
  console.log(`| server | idle | under load | growth | kernel peak |`)
  console.log(`|---|---:|---:|---:|---:|`)
  for (const m of results.memory) {
    console.log(
      `| ${m.variant} | ${mib(m.idleRssBytes)} | ${mib(m.loadedRssBytes)} | ${mib(m.loadedRssBytes - m.idleRssBytes)} | ${
        mib(m.peakRssBytes)
      } |`
    )
  }
  console.log()
}
