/**
 * bench/results.svg: for every socket case, a bar per variant of its ratio to
 * the case's baseline (raw node:net + linear decoder + cork; raw node:net for
 * bulk), with lines at 1× and at the 0.8× target. Plain SVG, no packages.
 *
 *   node --import tsx bench/chart.ts [results.json] [results.svg]    (redraw from a results file)
 */
import { readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { isEntry } from "./entry.js"
import type { Results } from "./sockets.js"

const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"]
const BAR = 18
/** wide enough for a case label of ~22 characters at 10 px */
const MIN_GROUP = 124
const GAP = 28
const PLOT_HEIGHT = 300
const LEFT = 48
const TOP = 70
const BOTTOM = 64

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const renderChart = (results: Results): string => {
  // Bars: every variant but the baseline (the 1× line is the baseline).
  const groups = results.cases.map((c) => ({
    label: c.label,
    bars: c.summaries.filter((s) => s.variant !== c.baseline && s.ratio !== undefined)
  }))
  const labels = Array.from(new Set(groups.flatMap((g) => g.bars.map((b) => b.label))))
  const color = (label: string) => COLORS[labels.indexOf(label) % COLORS.length]!
  const top = Math.max(1.2, ...groups.flatMap((g) => g.bars.map((b) => b.ratio!)))
  const yMax = Math.ceil(top * 5) / 5
  const y = (ratio: number) => TOP + PLOT_HEIGHT - (ratio / yMax) * PLOT_HEIGHT
  const widths = groups.map((g) => Math.max(MIN_GROUP, g.bars.length * BAR + GAP))
  const width = Math.max(960, LEFT + widths.reduce((a, b) => a + b, 0) + 20)
  const legendRows = Math.ceil(labels.length / 3)
  const height = TOP + PLOT_HEIGHT + BOTTOM + legendRows * 18
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`
  )
  out.push(`<rect width="100%" height="100%" fill="white"/>`)
  out.push(
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">effect-net socket benchmark: × raw node:net + linear decoder + cork (bulk: × raw node:net), median of ${results.config.rounds} alternated rounds</text>`
  )
  out.push(
    `<text x="${LEFT}" y="38" fill="#555" font-size="9">node ${escape(results.node)}, ${escape(results.cpus)}, ${results.date.slice(0, 10)}; ${escape(results.command)}</text>`
  )
  for (let tick = 0; tick <= yMax + 1e-9; tick += 0.2) {
    const ty = y(tick)
    out.push(`<line x1="${LEFT}" x2="${width - 20}" y1="${ty}" y2="${ty}" stroke="#eee"/>`)
    out.push(`<text x="${LEFT - 6}" y="${ty + 4}" text-anchor="end">${tick.toFixed(1)}×</text>`)
  }
  let x = LEFT
  groups.forEach((g, i) => {
    const first = x + (widths[i]! - g.bars.length * BAR) / 2
    g.bars.forEach((b, k) => {
      const bx = first + k * BAR
      const by = y(b.ratio!)
      out.push(
        `<rect x="${bx}" y="${by}" width="${BAR - 2}" height="${TOP + PLOT_HEIGHT - by}" fill="${color(b.label)}"><title>${
          escape(`${g.label}: ${b.label} ${b.ratio!.toFixed(2)}× (${b.ratioMin!.toFixed(2)}–${b.ratioMax!.toFixed(2)})`)
        }</title></rect>`
      )
      out.push(
        `<text x="${bx + (BAR - 2) / 2}" y="${by - 3}" text-anchor="middle" font-size="8">${b.ratio!.toFixed(2)}</text>`
      )
    })
    // "tcp streaming 64 B" as "tcp" over "streaming 64 B"
    const cx = x + widths[i]! / 2
    const space = g.label.indexOf(" ")
    const lines = space < 0 ? [g.label] : [g.label.slice(0, space), g.label.slice(space + 1)]
    lines.forEach((line, n) => {
      out.push(
        `<text x="${cx}" y="${TOP + PLOT_HEIGHT + 16 + n * 13}" text-anchor="middle" font-size="10"${
          n === 0 ? ` font-weight="bold"` : ""
        }>${escape(line)}</text>`
      )
    })
    x += widths[i]!
  })
  for (const [ratio, dash, text] of [[1, "", "1× (baseline)"], [0.8, "4 3", "0.8× target"]] as const) {
    out.push(
      `<line x1="${LEFT}" x2="${width - 20}" y1="${y(ratio)}" y2="${y(ratio)}" stroke="#333" stroke-dasharray="${dash}"/>`
    )
    out.push(`<text x="${width - 22}" y="${y(ratio) - 3}" text-anchor="end" fill="#333">${text}</text>`)
  }
  labels.forEach((label, i) => {
    const lx = LEFT + (i % 3) * 300
    const ly = TOP + PLOT_HEIGHT + BOTTOM + Math.floor(i / 3) * 18 - 10
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color(label)}"/>`)
    out.push(`<text x="${lx + 14}" y="${ly}">${escape(label)}</text>`)
  })
  out.push(`</svg>`)
  return out.join("\n") + "\n"
}

if (isEntry(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url))
  const input = process.argv[2] ?? join(here, "results.json")
  const output = process.argv[3] ?? join(dirname(input), "results.svg")
  writeFileSync(output, renderChart(JSON.parse(readFileSync(input, "utf8")) as Results))
}
