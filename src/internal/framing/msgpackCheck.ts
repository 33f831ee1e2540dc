import { nonPlain } from "./plain.js"
import { firstInvalid } from "./utf8.js"

/**
 * What is wrong with a MessagePack frame, found before msgpackr reads it:
 * msgpackr accepts the never-used byte 0xC1 (as its own sentinel), decodes
 * ill-formed UTF-8 as U+FFFD, renames a `__proto__` key and decodes its
 * private extensions into values no other peer writes.
 *
 * @internal
 */
export type Problem =
  | { readonly _tag: "InvalidUtf8"; readonly offset: number }
  | { readonly _tag: "InvalidMsgPack"; readonly message: string }

const invalid = (message: string): Problem => ({ _tag: "InvalidMsgPack", message })

// the UTF-8 bytes of "__proto__"
const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]
const TIMESTAMP = 0xff // extension type -1

/**
 * Walks one MessagePack value in `bytes` without building it: iterative, so
 * nesting costs an array slot per level, not a stack frame; counts are never
 * allocated for, only consumed. Checks every type byte, that str payloads
 * are well-formed UTF-8, that no map key is `__proto__`, that extensions are
 * only the standard timestamp, and that the value fills the frame.
 *
 * @internal
 */
export const checkMsgPack = (bytes: Uint8Array): Problem | undefined => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // items still to read in each open array / map (a map counts keys and values)
  const left: Array<number> = [1]
  const isMap: Array<boolean> = [false]
  let at = 0
  while (left.length > 0) {
    const top = left.length - 1
    if (left[top] === 0) {
      left.pop()
      isMap.pop()
      continue
    }
    // in a map, keys are the items read when an even count is left
    const isKey = isMap[top]! && left[top]! % 2 === 0
    left[top]!--
    if (at >= bytes.length) return invalid(`the frame ends at byte ${at} inside a value`)
    const type = bytes[at]!
    const start = at++
    let size = 0 // payload bytes after the header
    let count = -1 // items of an array / map
    let map = false
    let str = false
    let ext = -1
    if (type <= 0x7f || type >= 0xe0) {
      // fixint
    } else if (type <= 0x8f) {
      count = (type & 0x0f) * 2
      map = true
    } else if (type <= 0x9f) {
      count = type & 0x0f
    } else if (type <= 0xbf) {
      size = type & 0x1f
      str = true
    } else {
      const need = HEADER[type - 0xc0]!
      if (need < 0) return invalid(`byte 0x${type.toString(16).toUpperCase()} at offset ${start} is never used in MessagePack`)
      if (at + need > bytes.length) return invalid(`the frame ends at byte ${bytes.length} inside a header`)
      switch (type) {
        case 0xc4: case 0xd9: size = view.getUint8(at); break
        case 0xc5: case 0xda: size = view.getUint16(at); break
        case 0xc6: case 0xdb: size = view.getUint32(at); break
        case 0xc7: size = view.getUint8(at); ext = view.getUint8(at + 1); break
        case 0xc8: size = view.getUint16(at); ext = view.getUint8(at + 2); break
        case 0xc9: size = view.getUint32(at); ext = view.getUint8(at + 4); break
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
          size = 1 << (type - 0xd4)
          ext = view.getUint8(at)
          break
        case 0xdc: count = view.getUint16(at); break
        case 0xdd: count = view.getUint32(at); break
        case 0xde: count = view.getUint16(at) * 2; map = true; break
        case 0xdf: count = view.getUint32(at) * 2; map = true; break
        default: break // nil, booleans, numbers: the value is the header
      }
      if (type >= 0xd9 && type <= 0xdb) str = true
      at += need
      if (ext >= 0) {
        if (ext !== TIMESTAMP) return invalid(`extension type ${(ext << 24) >> 24} at offset ${start} is not standard MessagePack`)
        if (size !== 4 && size !== 8 && size !== 12) return invalid(`a timestamp of ${size} bytes at offset ${start}`)
      }
    }
    if (at + size > bytes.length) return invalid(`the frame ends at byte ${bytes.length} inside a value of ${size} bytes`)
    if (str) {
      const text = bytes.subarray(at, at + size)
      const bad = firstInvalid(text, true)
      if (bad >= 0) return { _tag: "InvalidUtf8", offset: at + bad }
      if (isKey && size === PROTO.length && PROTO.every((b, i) => text[i] === b)) {
        return invalid(`the map key "__proto__" at offset ${start} is refused`)
      }
    }
    at += size
    if (count >= 0) {
      left.push(count)
      isMap.push(map)
    }
  }
  return at === bytes.length ? undefined : invalid(`${bytes.length - at} bytes after the value`)
}

// header bytes after the type byte, for types 0xc0 to 0xdf; -1: never used
const HEADER = [
  0, -1, 0, 0, // c0 nil, c1 never used, c2 false, c3 true
  1, 2, 4, // c4-c6 bin 8/16/32
  2, 3, 5, // c7-c9 ext 8/16/32 (length, type)
  4, 8, // ca cb float 32/64
  1, 2, 4, 8, // cc-cf uint
  1, 2, 4, 8, // d0-d3 int
  1, 1, 1, 1, 1, // d4-d8 fixext (type)
  1, 2, 4, // d9-db str
  2, 4, 2, 4 // dc dd array, de df map
]

/** Whether a string is well-formed UTF-16 (no lone surrogate): `String.prototype.isWellFormed` on Node 20. */
export const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed()

/**
 * What in `value` standard MessagePack cannot carry so that it decodes back
 * the same, or `undefined`: msgpackr would write a Map as a map (decoded as
 * an object), a Set or a RegExp as an array, a function or `undefined` as its
 * private extension, a lone surrogate as invalid UTF-8. `undefined` object
 * properties are fine: they are not written (as in JSON).
 *
 * @internal
 */
export const unpackable = (value: unknown): string | undefined => {
  const ancestors = new Set<object>()
  const walk = (value: unknown): string | undefined => {
    switch (typeof value) {
      case "string":
        return isWellFormed(value) ? undefined : "a string with a lone surrogate"
      case "number":
      case "bigint":
      case "boolean":
        return undefined
      case "object": {
        if (value === null || value instanceof Uint8Array) return undefined
        // msgpackr writes an invalid Date as a private extension its own timestamp reader refuses
        if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : undefined
        if (ancestors.has(value)) return "a cycle"
        ancestors.add(value)
        const problem = Array.isArray(value) ? walkArray(value) : walkObject(value)
        ancestors.delete(value)
        return problem
      }
      default:
        return typeof value === "undefined" ? "undefined outside an object property" : `a ${typeof value}`
    }
  }
  const walkArray = (array: ReadonlyArray<unknown>): string | undefined => {
    for (let i = 0; i < array.length; i++) {
      const problem = walk(array[i])
      if (problem !== undefined) return problem
    }
    return undefined
  }
  const walkObject = (object: object): string | undefined => {
    const notPlain = nonPlain(object)
    if (notPlain !== undefined) return notPlain
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      if (key === "__proto__") return "a \"__proto__\" key"
      if (!isWellFormed(key)) return "a key with a lone surrogate"
      const field = (object as Record<string, unknown>)[key]
      if (field === undefined) continue
      const problem = walk(field)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  return walk(value)
}
