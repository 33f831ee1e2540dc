/**
 * Seeded re-chunking for the memory transport: where the bytes flowing
 * through a pipe are cut, to simulate TCP fragmentation reproducibly.
 */
import type { Rechunk } from "../../Transport.js"

/**
 * Cuts `bytes` into views appended to `out` (no copies).
 *
 * @internal
 */
export type Cut = (bytes: Uint8Array, out: { readonly push: (bytes: Uint8Array) => void }) => void

// mulberry32: tiny, seedable, good enough to pick cut points.
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The cutter for one direction of one connection: `stream` numbers the
 * directions, so each gets its own reproducible sequence from the seed.
 *
 * @internal
 */
export const makeCut = (rechunk: Rechunk, stream: number): Cut => {
  const next: () => number = rechunk._tag === "Fixed"
    ? () => rechunk.size
    : (() => {
      const random = prng(rechunk.seed * 2654435761 + stream)
      return () => 1 + Math.floor(random() * rechunk.maxSize)
    })()
  return (bytes, out) => {
    let offset = 0
    while (offset < bytes.byteLength) {
      const size = Math.max(1, next())
      out.push(bytes.subarray(offset, offset + size))
      offset += size
    }
  }
}
