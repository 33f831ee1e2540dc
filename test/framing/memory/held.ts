/**
 * Child process of byteQueueMemory.test.ts (run with --expose-gc): feeds one
 * decoder the bytes of a frame that never completes, in the segment sizes
 * asked for, and prints the heap + ArrayBuffer bytes held afterwards, per
 * pending byte. Every segment is a Buffer over an ArrayBuffer of its own, as
 * node:net delivers reads (each read's buffer is reallocated to its size).
 *
 *   node --expose-gc --import tsx held.ts <lengthPrefixed|lines> <pendingBytes> <pattern>
 */
import * as Framing from "../../../src/Framing.js"

const [framerName = "lengthPrefixed", pendingArg = "4194304", pattern = "1"] = process.argv.slice(2)
const pending = Number(pendingArg)
const gc = (globalThis as { gc?: () => void }).gc!

/** segment sizes: "1" (one byte each), "mixed" (1 KiB, 1 B, ...), "random" (1 to 2048, seeded) */
const sizes = (): () => number => {
  if (pattern === "mixed") {
    let i = 0
    return () => (i++ % 2 === 0 ? 1024 : 1)
  }
  if (pattern === "random") {
    let seed = 42
    return () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return 1 + (seed >>> 8) % 2048
    }
  }
  const n = Number(pattern)
  return () => n
}

const held = (): number => {
  gc()
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

const framer = framerName === "lines"
  ? Framing.lines({ maxFrameLength: 2 * pending })
  : Framing.lengthPrefixed({ maxFrameLength: 2 * pending })
const decoder = framer.decoder()
const out: Array<Uint8Array> = []
const next = sizes()
const before = held()
if (framerName !== "lines") {
  // a header announcing a frame one byte longer than what will be sent
  const header = Buffer.allocUnsafeSlow(4)
  header.writeUInt32BE(pending + 1)
  decoder.push(header, out)
}
for (let sent = 0; sent < pending;) {
  const n = Math.min(next(), pending - sent)
  const segment = Buffer.allocUnsafeSlow(n)
  segment.fill(0x61)
  const error = decoder.push(segment, out)
  if (error !== undefined || out.length > 0) throw new Error(`unexpected ${String(error)} / ${out.length} frames`)
  sent += n
}
const after = held()
console.log(JSON.stringify({ pending, held: after - before, perByte: (after - before) / pending, keep: decoder !== undefined }))
