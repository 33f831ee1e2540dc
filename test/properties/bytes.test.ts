import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import * as Bytes from "../../src/Bytes.js"
import { bufferRead, bufferWrite, layouts, numberFields } from "../util/bytesFields.js"

const padding = fc.nat({ max: 9 })

/** The same bytes as a view at `before` into a chunk with junk around it: the `new DataView(frame.buffer)` trap. */
const inChunk = (bytes: Uint8Array, before: number, after: number): Uint8Array => {
  const chunk = new Uint8Array(before + bytes.length + after).fill(0xa5)
  chunk.set(bytes, before)
  return chunk.subarray(before, before + bytes.length)
}

const hasNaN = (value: unknown): boolean =>
  Number.isNaN(value) ||
  (typeof value === "object" && value !== null && !(value instanceof Uint8Array) && Object.values(value).some(hasNaN))

describe("Bytes properties", () => {
  for (const { buffer, field, name, size, values } of numberFields) {
    const one = Bytes.struct({ v: field })

    it.prop(`${name} reads what Buffer.write${buffer} wrote, from a view at any offset`, [values, padding, padding], ([value, before, after]) => {
      const written = Buffer.alloc(before + size + after, 0xa5)
      bufferWrite(written, buffer, value, before)
      const got = Bytes.decode(one)(written.subarray(before, before + size))
      expect(got).toStrictEqual(Either.right({ v: bufferRead(written, buffer, before) }))
    })

    it.prop(`${name} writes what Buffer.write${buffer} writes`, [values], ([value]) => {
      const expected = Buffer.alloc(size)
      bufferWrite(expected, buffer, value, 0)
      expect(Bytes.encode(one)({ v: value })).toStrictEqual(Either.right(new Uint8Array(expected)))
    })

    it.prop(`${name}: any ${size} bytes come back bit for bit (NaN payloads aside)`, [fc.uint8Array({ minLength: size, maxLength: size })], ([bytes]) => {
      const decoded = Bytes.decode(one)(bytes)
      if (Either.isLeft(decoded)) throw decoded.left
      if (Number.isNaN(decoded.right.v)) return
      expect(Bytes.encode(one)(decoded.right)).toStrictEqual(Either.right(bytes))
    })
  }

  it.prop("f32: any number is written rounded as Math.fround, as Buffer.writeFloatBE does", [fc.double()], ([value]) => {
    const single = Bytes.struct({ v: Bytes.f32be })
    const encoded = Either.getOrThrow(Bytes.encode(single)({ v: value }))
    expect(Buffer.from(encoded).readFloatBE(0)).toBe(Math.fround(value))
    expect(Bytes.decode(single)(encoded)).toStrictEqual(Either.right({ v: Math.fround(value) }))
  })

  it.prop("a random struct round-trips, from a view at any offset", [layouts, padding, padding], ([layout, before, after]) => {
    const encoded = Either.getOrThrow(Bytes.encode(layout.struct)(layout.value))
    expect(Bytes.decode(layout.struct)(inChunk(encoded, before, after))).toEqual(Either.right(layout.value))
  })

  it.prop("every strict prefix short of the fixed fields is Truncated at the field it cuts", [layouts], ([layout]) => {
    const encoded = Either.getOrThrow(Bytes.encode(layout.struct)(layout.value))
    if (!layout.hasRest) expect(encoded.length).toBe(layout.fixedSize)
    const prefixes = layout.hasRest ? layout.fixedSize : encoded.length
    for (let k = 0; k < prefixes; k++) {
      // the first leaf that does not fit in k bytes; one of zero bytes always fits
      const cut = layout.leaves.find((leaf) => leaf.size !== undefined && leaf.start + leaf.size > k)!
      const got = Bytes.decode(layout.struct)(encoded.subarray(0, k))
      expect(got).toStrictEqual(Either.left(expect.objectContaining({ reason: "Truncated", field: cut.path, offset: cut.start })))
    }
  })

  it.prop("bytes after a struct without a rest field are TrailingBytes at its size", [layouts, fc.uint8Array({ minLength: 1, maxLength: 8 })], ([layout, extra]) => {
    fc.pre(!layout.hasRest)
    const encoded = Either.getOrThrow(Bytes.encode(layout.struct)(layout.value))
    const keys = Object.keys(layout.struct.fields)
    const got = Bytes.decode(layout.struct)(Buffer.concat([encoded, extra]))
    expect(got).toStrictEqual(
      Either.left(expect.objectContaining({ reason: "TrailingBytes", offset: encoded.length, field: keys[keys.length - 1] ?? "" }))
    )
  })

  it.prop("random garbage never throws: a value that re-encodes to the frame, or a decoding BytesError inside it", [layouts, fc.uint8Array({ maxLength: 64 })], ([layout, garbage]) => {
    const got = Bytes.decode(layout.struct)(garbage)
    if (Either.isRight(got)) {
      if (!hasNaN(got.right)) expect(Bytes.encode(layout.struct)(got.right)).toStrictEqual(Either.right(garbage))
      return
    }
    expect(got.left).toBeInstanceOf(Bytes.BytesError)
    expect(["Truncated", "TrailingBytes", "InvalidUtf8", "Literal"]).toContain(got.left.reason)
    expect(got.left.offset).toBeGreaterThanOrEqual(0)
    expect(got.left.offset).toBeLessThanOrEqual(garbage.length)
  })

  it.prop("a valid encoding with one byte changed decodes or fails without throwing", [layouts, fc.nat(), fc.integer({ min: 0, max: 255 })], ([layout, at, byte]) => {
    const encoded = Either.getOrThrow(Bytes.encode(layout.struct)(layout.value))
    fc.pre(encoded.length > 0)
    encoded[at % encoded.length] = byte
    const got = Bytes.decode(layout.struct)(encoded)
    if (Either.isLeft(got)) expect(["InvalidUtf8", "Literal"]).toContain(got.left.reason)
  })
})
