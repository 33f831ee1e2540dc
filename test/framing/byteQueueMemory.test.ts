import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const script = fileURLToPath(new URL("./memory/held.ts", import.meta.url))
const MiB = 1024 * 1024
/** what a queue may hold beyond 2 bytes per pending byte: its tail buffer, one chunk, the measurement's noise */
const FIXED = 1 * MiB

/** Run the child (its own process, so --expose-gc and a clean heap) and read what it measured. */
const measure = (framer: string, pending: number, pattern: string) =>
  new Promise<{ pending: number; held: number; perByte: number }>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--import", "tsx", script, framer, String(pending), pattern],
      { timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)))
    )
  })

describe("Framing.ByteQueue memory per pending byte (issue 10: tiny segments multiply memory)", () => {
  for (const framer of ["lengthPrefixed", "lines"]) {
    for (const [pattern, what] of [["1", "1-byte segments"], ["mixed", "1 KiB and 1 B segments alternating"], ["random", "segments of 1 to 2048 bytes"]]) {
      it(`${framer}, an unfinished 4 MiB frame in ${what}: heap + buffers under 2 bytes per pending byte + 1 MiB`, async () => {
        const { held, pending } = await measure(framer, 4 * MiB, pattern!)
        expect(held).toBeLessThan(2 * pending + FIXED)
      }, 60_000)
    }
  }
})
