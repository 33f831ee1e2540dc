/**
 * A server of the socket benchmark in a process of its own (forked by
 * bench/sockets.ts with an IPC channel): `socket-server.ts <variant> <unix path>`.
 * Sends `{ ready, tcpPort, unixPath }`, answers `{ type: "usage" }` with its
 * CPU time, peak RSS and minor page faults, and exits when the parent disconnects (so a
 * `--cpu-prof` profile is written).
 */
import { type ServerVariantId, serverVariants } from "./socket-servers.js"

export interface Usage {
  readonly type: "usage"
  /** user + system CPU time since start, µs */
  readonly cpuMicros: number
  /** peak resident set size since the process started (module loading included), bytes */
  readonly maxRssBytes: number
  /** resident set size now, bytes */
  readonly rssBytes: number
  /** minor page faults since start (getrusage) */
  readonly minorFaults: number
}

const [id, unixPath] = process.argv.slice(2) as [ServerVariantId, string]
const variant = serverVariants[id]
if (variant === undefined || unixPath === undefined) throw new Error(`usage: socket-server.ts <variant> <unix path>`)

process.on("message", (message: { type?: string }) => {
  if (message.type !== "usage") return
  const cpu = process.cpuUsage()
  const usage: Usage = {
    type: "usage",
    cpuMicros: cpu.user + cpu.system,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: process.memoryUsage.rss(),
    minorFaults: process.resourceUsage().minorPageFault
  }
  process.send!(usage)
})
process.on("disconnect", () => process.exit(0))

variant().then((start) => start(unixPath)).then((listening) => {
  process.send!({ type: "ready", ...listening })
}).catch((error: unknown) => {
  console.error(`${id}:`, error)
  process.exit(1)
})
