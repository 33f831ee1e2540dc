/**
 * The KMP helpers against brute force. The delimiter decoder and encoder only reach some of their
 * paths (the encoder's input always ends with the delimiter), so they are checked on their own.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { failureTable, firstMatchEnd } from "../../src/internal/framing/kmp.js"

const bytesOf = (maxLength: number) =>
  fc.array(fc.constantFrom(0x61, 0x62, 0x63), { maxLength }).map((xs) => Uint8Array.from(xs))

/** the longest proper prefix of d[0..k) that is also its suffix, by trying every length */
const border = (d: Uint8Array, k: number) => {
  for (let n = k - 1; n > 0; n--) if (d.subarray(0, n).every((b, i) => b === d[k - n + i])) return n
  return 0
}

const naiveMatchEnd = (bytes: Uint8Array, d: Uint8Array) => {
  for (let at = 0; at + d.length <= bytes.length; at++) if (d.every((b, i) => bytes[at + i] === b)) return at + d.length
  return -1
}

describe("kmp", () => {
  it.prop("failureTable[k] is the longest border of the first k bytes", [bytesOf(8).filter((d) => d.length > 0)], ([d]) => {
    const table = failureTable(d)
    expect(Array.from(table)).toEqual(Array.from({ length: d.length + 1 }, (_, k) => border(d, k)))
  })

  it.prop("firstMatchEnd is where the first occurrence ends, -1 without one", [
    bytesOf(4).filter((d) => d.length > 0),
    bytesOf(16)
  ], ([d, bytes]) => {
    expect(firstMatchEnd(bytes, d, failureTable(d))).toBe(naiveMatchEnd(bytes, d))
  })

  it("no occurrence, also with a prefix of it at the end, is -1", () => {
    const d = Uint8Array.from([1, 2, 3])
    for (const bytes of [[], [9, 9], [1, 2], [9, 1, 2, 1, 2]]) {
      expect(firstMatchEnd(Uint8Array.from(bytes), d, failureTable(d))).toBe(-1)
    }
  })
})
