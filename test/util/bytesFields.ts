/**
 * The fixed-size number fields of `Bytes` next to Node's own `Buffer`
 * accessors for the same layout, with an arbitrary of the values each holds,
 * and random struct layouts with the wire position of every leaf, computed
 * here independently of the codec.
 */
import * as fc from "effect/FastCheck"
import * as Bytes from "../../src/Bytes.js"

type Value = number | bigint | string | Uint8Array | Record<string, unknown>

export interface NumberField {
  readonly name: string
  readonly field: Bytes.Field<number | bigint>
  readonly size: number
  /** Buffer method suffix: `read${buffer}` / `write${buffer}` */
  readonly buffer: string
  readonly values: fc.Arbitrary<number | bigint>
}

const int = (min: number, max: number) => fc.integer({ min, max })
const big = (min: bigint, max: bigint) => fc.bigInt({ min, max })
// fc.float() yields the numbers a single holds, NaN, ±0 and ±Infinity among them
const single = fc.float()

export const numberFields: ReadonlyArray<NumberField> = [
  { name: "u8", field: Bytes.u8, size: 1, buffer: "UInt8", values: int(0, 0xff) },
  { name: "i8", field: Bytes.i8, size: 1, buffer: "Int8", values: int(-0x80, 0x7f) },
  { name: "u16be", field: Bytes.u16be, size: 2, buffer: "UInt16BE", values: int(0, 0xffff) },
  { name: "u16le", field: Bytes.u16le, size: 2, buffer: "UInt16LE", values: int(0, 0xffff) },
  { name: "i16be", field: Bytes.i16be, size: 2, buffer: "Int16BE", values: int(-0x8000, 0x7fff) },
  { name: "i16le", field: Bytes.i16le, size: 2, buffer: "Int16LE", values: int(-0x8000, 0x7fff) },
  { name: "u32be", field: Bytes.u32be, size: 4, buffer: "UInt32BE", values: int(0, 0xffffffff) },
  { name: "u32le", field: Bytes.u32le, size: 4, buffer: "UInt32LE", values: int(0, 0xffffffff) },
  { name: "i32be", field: Bytes.i32be, size: 4, buffer: "Int32BE", values: int(-0x80000000, 0x7fffffff) },
  { name: "i32le", field: Bytes.i32le, size: 4, buffer: "Int32LE", values: int(-0x80000000, 0x7fffffff) },
  { name: "u64be", field: Bytes.u64be, size: 8, buffer: "BigUInt64BE", values: big(0n, 2n ** 64n - 1n) },
  { name: "u64le", field: Bytes.u64le, size: 8, buffer: "BigUInt64LE", values: big(0n, 2n ** 64n - 1n) },
  { name: "i64be", field: Bytes.i64be, size: 8, buffer: "BigInt64BE", values: big(-(2n ** 63n), 2n ** 63n - 1n) },
  { name: "i64le", field: Bytes.i64le, size: 8, buffer: "BigInt64LE", values: big(-(2n ** 63n), 2n ** 63n - 1n) },
  { name: "f32be", field: Bytes.f32be, size: 4, buffer: "FloatBE", values: single },
  { name: "f32le", field: Bytes.f32le, size: 4, buffer: "FloatLE", values: single },
  { name: "f64be", field: Bytes.f64be, size: 8, buffer: "DoubleBE", values: fc.double() },
  { name: "f64le", field: Bytes.f64le, size: 8, buffer: "DoubleLE", values: fc.double() }
]

type Accessors = Record<string, (...args: ReadonlyArray<unknown>) => unknown>

/** `buffer.read${method}(offset)` */
export const bufferRead = (buffer: Buffer, method: string, offset: number): unknown =>
  (buffer as unknown as Accessors)[`read${method}`]!.call(buffer, offset)

/** `buffer.write${method}(value, offset)` */
export const bufferWrite = (buffer: Buffer, method: string, value: unknown, offset: number): void => {
  ;(buffer as unknown as Accessors)[`write${method}`]!.call(buffer, value, offset)
}

/** A leaf of a random layout: where it sits in the struct, how many bytes, and the value it holds. */
export interface Leaf {
  readonly path: string
  readonly start: number
  readonly size: number | undefined
}

/** A random struct with a value for it, and its leaves in wire order. */
export interface Layout {
  readonly struct: Bytes.Struct<Record<string, unknown>>
  readonly value: Record<string, unknown>
  readonly leaves: ReadonlyArray<Leaf>
  /** bytes before the field that takes the rest, or the whole size */
  readonly fixedSize: number
  readonly hasRest: boolean
}

interface Member {
  readonly field: Bytes.Field<unknown>
  readonly value: Value
  /** the leaves inside, relative to the member's start; one for a leaf */
  readonly leaves: ReadonlyArray<Omit<Leaf, "path"> & { readonly path: ReadonlyArray<string> }>
}

const leafMember = (field: Bytes.Field<unknown>, value: Value): Member => ({
  field,
  value,
  leaves: [{ path: [], start: 0, size: field.size }]
})

const text = fc.string({ unit: "grapheme", maxLength: 12 })
const encoder = new TextEncoder()

const fixedLeaf: fc.Arbitrary<Member> = fc.oneof(
  ...numberFields.map(({ field, values }) => values.map((value) => leafMember(field, value))),
  fc.uint8Array({ maxLength: 6 }).map((value) => leafMember(Bytes.bytes(value.length), value)),
  text.map((value) => leafMember(Bytes.utf8(encoder.encode(value).length), value)),
  fc.uint8Array({ maxLength: 4 }).map((value) => leafMember(Bytes.literal(value), value))
)

const restLeaf: fc.Arbitrary<Member> = fc.oneof(
  fc.uint8Array({ maxLength: 12 }).map((value) => leafMember(Bytes.bytesRest, value)),
  text.map((value) => leafMember(Bytes.utf8Rest, value))
)

const keyed = (members: ReadonlyArray<Member>): Member => {
  const fields: Record<string, Bytes.Field<unknown>> = {}
  const value: Record<string, unknown> = {}
  const leaves: Array<Member["leaves"][number]> = []
  let at = 0
  members.forEach((member, i) => {
    const key = `f${i}`
    fields[key] = member.field
    value[key] = member.value
    for (const leaf of member.leaves) leaves.push({ path: [key, ...leaf.path], start: at + leaf.start, size: leaf.size })
    at += member.field.size ?? 0
  })
  return { field: Bytes.struct(fields), value, leaves }
}

const toLayout = (member: Member): Layout => {
  const leaves = member.leaves.map((leaf) => ({ ...leaf, path: leaf.path.join(".") }))
  const hasRest = leaves.some((leaf) => leaf.size === undefined)
  return {
    struct: member.field as Bytes.Struct<Record<string, unknown>>,
    value: member.value as Record<string, unknown>,
    leaves,
    fixedSize: leaves.reduce((n, leaf) => n + (leaf.size ?? 0), 0),
    hasRest
  }
}

/** Fixed fields and nested structs of them, maybe ending in a rest field (or a nested struct ending in one). */
export const layouts: fc.Arbitrary<Layout> = fc.letrec<{ struct: Member; fixedStruct: Member; member: Member; tail: Member }>(
  (tie) => ({
    member: fc.oneof({ depthSize: "small", withCrossShrink: true }, fixedLeaf, tie("fixedStruct")),
    fixedStruct: fc.array(tie("member"), { maxLength: 4 }).map(keyed),
    tail: fc.oneof({ depthSize: "small", withCrossShrink: true }, restLeaf, tie("struct")),
    struct: fc.tuple(
      fc.array(tie("member"), { maxLength: 5 }),
      fc.option(tie("tail"), { freq: 3, depthSize: "small" })
    ).map(([members, tail]) => keyed(tail === null ? members : [...members, tail]))
  })
).struct.map(toLayout)
