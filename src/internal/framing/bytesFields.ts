/**
 * The leaf fields of `Bytes`: numbers through `DataView` (whose setters wrap
 * silently, so every value is range-checked first), raw bytes as views into
 * the frame, UTF-8 text decoded fatally, and literals.
 */
import { Buffer } from "node:buffer"
import { IllegalArgumentException } from "effect/Cause"
import { FAIL, Leaf, outOfRange, show } from "./bytes.js"
import type { Reader, Writer } from "./bytes.js"
import { firstInvalid } from "./utf8.js"

type NumberType = "Int8" | "Uint8" | "Int16" | "Uint16" | "Int32" | "Uint32" | "Float32" | "Float64"
type BigIntType = "BigInt64" | "BigUint64"

const sizes: Record<NumberType | BigIntType, number> = {
  Int8: 1, Uint8: 1, Int16: 2, Uint16: 2, Int32: 4, Uint32: 4, Float32: 4, Float64: 8, BigInt64: 8, BigUint64: 8
}

// One switch rather than a looked-up `DataView` method `.call`ed per field:
// each call site here sees one accessor, so V8 inlines it (a four-number
// header decoded in ~140 ns instead of ~230)
const getAt = (view: DataView, type: NumberType | BigIntType, offset: number, le: boolean): number | bigint => {
  switch (type) {
    case "Uint8": return view.getUint8(offset)
    case "Int8": return view.getInt8(offset)
    case "Uint16": return view.getUint16(offset, le)
    case "Int16": return view.getInt16(offset, le)
    case "Uint32": return view.getUint32(offset, le)
    case "Int32": return view.getInt32(offset, le)
    case "Float32": return view.getFloat32(offset, le)
    case "Float64": return view.getFloat64(offset, le)
    case "BigUint64": return view.getBigUint64(offset, le)
    case "BigInt64": return view.getBigInt64(offset, le)
  }
}

const setAt = (view: DataView, type: NumberType | BigIntType, offset: number, value: number | bigint, le: boolean): void => {
  switch (type) {
    case "Uint8": return view.setUint8(offset, value as number)
    case "Int8": return view.setInt8(offset, value as number)
    case "Uint16": return view.setUint16(offset, value as number, le)
    case "Int16": return view.setInt16(offset, value as number, le)
    case "Uint32": return view.setUint32(offset, value as number, le)
    case "Int32": return view.setInt32(offset, value as number, le)
    case "Float32": return view.setFloat32(offset, value as number, le)
    case "Float64": return view.setFloat64(offset, value as number, le)
    case "BigUint64": return view.setBigUint64(offset, value as bigint, le)
    case "BigInt64": return view.setBigInt64(offset, value as bigint, le)
  }
}

/** A `DataView` accessor pair as a field: `check` says what the setter would wrap or reject. */
const viewField = <A extends number | bigint>(
  kind: string,
  type: NumberType | BigIntType,
  littleEndian: boolean,
  check: (value: unknown) => boolean,
  expected: string
): Leaf<A> => {
  const size = sizes[type]
  return new Leaf<A>(
    kind,
    size,
    (r, offset) => getAt(r.view, type, offset, littleEndian) as A,
    (value, w) => check(value) ? size : outOfRange(w, `expected ${expected} for ${kind}, got ${show(value)}`),
    (w, offset, value) => {
      setAt(w.view, type, offset, value, littleEndian)
      return size
    }
  )
}

/** @internal */
export const int = (kind: string, type: NumberType, littleEndian: boolean, min: number, max: number): Leaf<number> =>
  viewField(
    kind,
    type,
    littleEndian,
    (value) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
    `an integer from ${min} to ${max}`
  )

/** @internal */
export const bigint = (kind: string, type: BigIntType, littleEndian: boolean, min: bigint, max: bigint): Leaf<bigint> =>
  viewField(
    kind,
    type,
    littleEndian,
    (value) => typeof value === "bigint" && value >= min && value <= max,
    `a bigint from ${min} to ${max}`
  )

/** @internal */
export const float = (kind: string, type: "Float32" | "Float64", littleEndian: boolean): Leaf<number> =>
  viewField(kind, type, littleEndian, (value) => typeof value === "number", "a number")

/** `bytes(4)` or `bytesRest`: the kind of a field of `size` bytes or of the rest, the size checked. */
const sizedKind = (name: string, size: number | undefined): string => {
  if (size === undefined) return `${name}Rest`
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new IllegalArgumentException(`Bytes.${name}: the length must be a non-negative integer, got ${size}`)
  }
  return `${name}(${size})`
}

const copy = (w: Writer, offset: number, value: Uint8Array): number => {
  w.bytes.set(value, offset)
  return value.length
}

/** @internal */
export const bytes = (size: number | undefined): Leaf<Uint8Array> => {
  const kind = sizedKind("bytes", size)
  return new Leaf<Uint8Array>(
    kind,
    size,
    // a view, not a copy: frames are views already, and most headers are read and dropped
    (r, offset, n) => r.bytes.subarray(offset, offset + n),
    (value, w) =>
      !(value instanceof Uint8Array)
        ? outOfRange(w, `expected a Uint8Array for ${kind}, got ${show(value)}`)
        : size !== undefined && value.length !== size
        ? outOfRange(w, `expected exactly ${size} bytes for ${kind}, got ${value.length}`)
        : value.length,
    copy
  )
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ")

const sameBytes = (a: Uint8Array, b: Uint8Array, at: number): boolean => {
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false
  return true
}

/** @internal */
/**
 * `bytes` as a `Uint8Array`, refusing what `Uint8Array.from` would silently
 * wrap or truncate (256, -1, 1.5).
 *
 * @internal
 */
export const byteArray = (what: string, bytes: Uint8Array | ReadonlyArray<number>): Uint8Array => {
  if (bytes instanceof Uint8Array) return Uint8Array.from(bytes)
  bytes.forEach((byte, i) => {
    if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
      throw new IllegalArgumentException(`${what}: ${byte} at index ${i} is not a byte (an integer from 0 to 255)`)
    }
  })
  return Uint8Array.from(bytes)
}

export const literal = (expected: Uint8Array): Leaf<Uint8Array> => {
  const kind = `literal(${hex(expected)})`
  const size = expected.length
  return new Leaf<Uint8Array>(
    kind,
    size,
    (r, offset) =>
      sameBytes(r.bytes, expected, offset)
        ? r.bytes.subarray(offset, offset + size)
        : r.fail("Literal", offset, `expected ${hex(expected)}, got ${hex(r.bytes.subarray(offset, offset + size))}`),
    (value, w) =>
      value instanceof Uint8Array && value.length === size && sameBytes(value, expected, 0)
        ? size
        : outOfRange(w, `expected the literal ${hex(expected)}, got ${value instanceof Uint8Array ? hex(value) : show(value)}`),
    copy
  )
}

// `ignoreBOM`: a leading U+FEFF is the text's, as in `Utf8`
const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const readText = (r: Reader, offset: number, n: number): string | FAIL => {
  const view = r.bytes.subarray(offset, offset + n)
  try {
    return fatal.decode(view)
  } catch (cause) {
    const at = firstInvalid(view, true)
    // well-formed after all: the text did not fit in a string (over 2^29 characters), not the peer's fault
    if (at < 0) throw cause
    return r.fail("InvalidUtf8", offset + at, "not a well-formed UTF-8 sequence")
  }
}

type WellFormed = { isWellFormed(): boolean }

/** UTF-8 bytes before the first lone surrogate (which has no UTF-8 form), or -1 when there is none. */
const beforeLoneSurrogate = (text: string): number => {
  if ((text as unknown as WellFormed).isWellFormed()) return -1
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c < 0xd800 || c > 0xdfff) n += 3
    else {
      const d = text.charCodeAt(i + 1)
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return n
      n += 4
      i++
    }
  }
  return -1
}

/** @internal */
export const utf8 = (size: number | undefined): Leaf<string> => {
  const kind = sizedKind("utf8", size)
  return new Leaf<string>(
    kind,
    size,
    readText,
    (value, w) => {
      if (typeof value !== "string") return outOfRange(w, `expected a string for ${kind}, got ${show(value)}`)
      const bad = beforeLoneSurrogate(value)
      if (bad >= 0) {
        // TextEncoder would write U+FFFD: the value would not come back
        w.fail("InvalidUtf8", w.offset + bad, "the string has a lone surrogate, which UTF-8 cannot encode")
        return -1
      }
      const n = Buffer.byteLength(value, "utf8")
      return size !== undefined && n !== size
        ? outOfRange(w, `expected exactly ${size} bytes of UTF-8 for ${kind}, got a string of ${n}`)
        : n
    },
    (w, offset, value) => w.text().write(value, offset, "utf8")
  )
}
