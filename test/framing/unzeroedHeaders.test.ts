import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { Buffer } from "node:buffer"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { concat } from "../../src/internal/testing.js"

// Encoders write headers into unzeroed memory (`unfilled`): make that memory visibly dirty, so a header
// byte left unwritten shows as 0xAA instead of passing for the zero it should be (fresh pages are zero).
vi.mock("../../src/internal/framing/alloc.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/internal/framing/alloc.js")>()
  return { ...actual, unfilled: (n: number) => actual.unfilled(n).fill(0xaa) }
})

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")
const wire = (framer: Framing.Framer, frame: Uint8Array) => hex(Either.getOrThrow(framer.encodeFrame(frame)))

describe("stripped header bytes are written as zeros in unzeroed memory", () => {
  it("before and after the length field (initialBytesToStrip past the field)", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 5 })
    expect(wire(framer, Uint8Array.of(0x68, 0x69))).toBe("00" + "0004" + "0000" + "6869")
  })

  it("an 8-byte little-endian field and a 3-byte big-endian one, with stripped bytes on both sides", () => {
    const eight = Framing.lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 8, byteOrder: "little", initialBytesToStrip: 12 })
    expect(wire(eight, Uint8Array.of(0x61))).toBe("0000" + "0300000000000000" + "0000" + "61")
    const three = Framing.lengthPrefixed({ lengthFieldOffset: 3, lengthFieldLength: 3, initialBytesToStrip: 9, lengthAdjustment: 1 })
    expect(wire(three, Uint8Array.of(0x61))).toBe("000000" + "000003" + "000000" + "61")
  })

  it.effect("the header of a large frame, written at the end of the batch buffer before it", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 6 })
      const small = Uint8Array.of(0x62)
      const large = new Uint8Array(16 * 1024).fill(0x61)
      const out = yield* Stream.make(small, large).pipe(framer.encode, Stream.runCollect)
      expect(out.pipe(Chunk.map((piece) => piece.length), Chunk.toReadonlyArray)).toEqual([7 + 6, 16 * 1024])
      expect(hex(concat(Chunk.toReadonlyArray(out)))).toBe("00" + "0004" + "000000" + "62" + "00" + "4003" + "000000" + "61".repeat(16 * 1024))
    }))
})

describe("8-byte length fields", () => {
  it("carry every byte of a length above 255, in either byte order", () => {
    const frame = new Uint8Array(0x1_02_03).fill(0x61)
    const big = Either.getOrThrow(Framing.lengthPrefixed({ lengthFieldLength: 8, maxFrameLength: 1 << 20 }).encodeFrame(frame))
    expect(hex(big.subarray(0, 8))).toBe("0000000000010203")
    const little = Either.getOrThrow(Framing.lengthPrefixed({ lengthFieldLength: 8, byteOrder: "little", maxFrameLength: 1 << 20 }).encodeFrame(frame))
    expect(hex(little.subarray(0, 8))).toBe("0302010000000000")
  })
})
