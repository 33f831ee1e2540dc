/**
 * The machinery behind `Bytes`: a field is an object with three methods, a
 * read over one per-decode `Reader` and a measure / write pair over one
 * per-encode `Writer`. Failures are not thrown: a field records what went
 * wrong on the reader / writer and returns `FAIL`, and each struct on the way
 * out adds its key to the path, so the happy path allocates nothing but the
 * values and the error path says which field.
 */
import { Buffer } from "node:buffer"
import { IllegalArgumentException } from "effect/Cause"
import * as Either from "effect/Either"
import { pipeArguments } from "effect/Pipeable"
import type * as Bytes from "../../Bytes.js"

/** @internal */
export const FieldTypeId: unique symbol = Symbol.for("effect-net/Bytes/Field")

/** @internal */
export const FAIL: unique symbol = Symbol.for("effect-net/Bytes/FAIL")
/** @internal */
export type FAIL = typeof FAIL

/** What a `BytesError` is made of, before `Bytes` wraps it. @internal */
export interface Failure {
  readonly reason: Bytes.BytesError["reason"]
  readonly offset: number
  readonly detail: string
  /** keys innermost first, pushed by each struct the failure passes through */
  readonly path: Array<string>
}

/** @internal */
export interface ErrorData {
  readonly reason: Bytes.BytesError["reason"]
  readonly offset: number
  readonly field: string
  readonly detail: string
}

const toErrorData = (failure: Failure): ErrorData => ({
  reason: failure.reason,
  offset: failure.offset,
  field: failure.path.reverse().join("."),
  detail: failure.detail
})

abstract class Cursor {
  offset = 0
  failure: Failure | undefined = undefined
  fail(reason: Failure["reason"], offset: number, detail: string): FAIL {
    this.failure = { reason, offset, detail, path: [] }
    return FAIL
  }
}

/** One per decode: the frame, the one `DataView` over exactly its bytes, and where we are. @internal */
export class Reader extends Cursor {
  readonly view: DataView
  readonly length: number
  constructor(readonly bytes: Uint8Array) {
    super()
    // the frame is usually a view into a bigger chunk: without byteOffset the
    // view would read the chunk's first bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.length = bytes.length
  }
}

/** One per encode; `view` and `bytes` exist once measuring has sized the output. @internal */
export class Writer extends Cursor {
  view: DataView = undefined as unknown as DataView
  bytes: Uint8Array = undefined as unknown as Uint8Array
  #text: Buffer | undefined = undefined
  /** A Buffer over the output for native UTF-8 writes at an offset: made once per encode, only if needed. */
  text(): Buffer {
    return this.#text ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length)
  }
}

const variance = { _A: (a: never) => a }

/** @internal */
export abstract class Codec<A> implements Bytes.Field<A> {
  readonly [FieldTypeId] = variance
  abstract readonly kind: string
  abstract readonly size: number | undefined
  /** Read at `r.offset` and move past the field, or record a failure. */
  abstract read(r: Reader): A | FAIL
  /** Check `value` and move `w.offset` past the bytes it will take, or record a failure and return false. */
  abstract measure(value: unknown, w: Writer): boolean
  /** Write a value `measure` accepted at `w.offset` and move past it. */
  abstract write(value: A, w: Writer): void
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
  toString() {
    return this.kind
  }
}

/**
 * A field of fixed size (`size`) or one that takes the rest of the frame
 * (`size` undefined). `get` reads `n` bytes known to be there; `check`
 * returns the byte count a value will take, or -1 after recording why not;
 * `set` writes and returns the byte count written.
 *
 * @internal
 */
export class Leaf<A> extends Codec<A> {
  constructor(
    readonly kind: string,
    readonly size: number | undefined,
    readonly get: (r: Reader, offset: number, n: number) => A | FAIL,
    readonly check: (value: unknown, w: Writer) => number,
    readonly set: (w: Writer, offset: number, value: A) => number
  ) {
    super()
  }
  read(r: Reader): A | FAIL {
    const offset = r.offset
    const n = this.size ?? r.length - offset
    if (offset + n > r.length) {
      return r.fail("Truncated", offset, `${this.kind} needs ${n} bytes, the frame has ${r.length - offset} left`)
    }
    r.offset = offset + n
    return this.get(r, offset, n)
  }
  measure(value: unknown, w: Writer): boolean {
    const n = this.check(value, w)
    if (n < 0) return false
    w.offset += n
    return true
  }
  write(value: A, w: Writer): void {
    w.offset += this.set(w, w.offset, value)
  }
}

/** Record an `OutOfRange` at the field being measured; for `Leaf` checks. @internal */
export const outOfRange = (w: Writer, detail: string): -1 => {
  w.fail("OutOfRange", w.offset, detail)
  return -1
}

/** A value as a message shows it: numbers and bigints as written, anything else by its type. @internal */
export const show = (value: unknown): string =>
  typeof value === "number" || typeof value === "bigint"
    ? String(value) + (typeof value === "bigint" ? "n" : "")
    : typeof value === "string"
    ? JSON.stringify(value.length > 32 ? value.slice(0, 32) + "…" : value)
    : value === null
    ? "null"
    : value instanceof Uint8Array
    ? `${value.length} bytes`
    : value === undefined
    ? "undefined"
    : typeof value === "object"
    ? "an object"
    : `a ${typeof value}`

const arrayIndex = /^(0|[1-9][0-9]*)$/

/** @internal */
export class StructCodec<A> extends Codec<A> {
  readonly kind = "struct"
  readonly size: number | undefined
  readonly keys: ReadonlyArray<string>
  readonly codecs: ReadonlyArray<Codec<unknown>>
  constructor(readonly fields: Bytes.Fields) {
    super()
    this.keys = Object.keys(fields)
    this.codecs = this.keys.map((key) => fields[key] as Codec<unknown>)
    let size: number | undefined = 0
    this.keys.forEach((key, i) => {
      // JavaScript enumerates integer-like keys first, whatever order they were
      // written in: the wire order would silently differ from the source
      if (arrayIndex.test(key)) {
        throw new IllegalArgumentException(`Bytes.struct: field name "${key}" is an array index; its order would not be the written one`)
      }
      if (key === "__proto__") {
        throw new IllegalArgumentException(`Bytes.struct: a field cannot be named "__proto__" (it would set the value's prototype)`)
      }
      const fieldSize = this.codecs[i]!.size
      if (fieldSize === undefined && i < this.keys.length - 1) {
        throw new IllegalArgumentException(
          `Bytes.struct: field "${key}" (${this.codecs[i]!.kind}) takes the rest of the frame, so it must be the last field`
        )
      }
      size = fieldSize === undefined || size === undefined ? undefined : size + fieldSize
    })
    this.size = size
  }
  read(r: Reader): A | FAIL {
    const out: Record<string, unknown> = {}
    const { codecs, keys } = this
    for (let i = 0; i < keys.length; i++) {
      const value = codecs[i]!.read(r)
      if (value === FAIL) {
        r.failure!.path.push(keys[i]!)
        return FAIL
      }
      out[keys[i]!] = value
    }
    return out as A
  }
  measure(value: unknown, w: Writer): boolean {
    if (typeof value !== "object" || value === null) {
      w.fail("OutOfRange", w.offset, `expected an object with fields ${this.keys.join(", ")}, got ${show(value)}`)
      return false
    }
    const { codecs, keys } = this
    for (let i = 0; i < keys.length; i++) {
      if (!codecs[i]!.measure((value as Record<string, unknown>)[keys[i]!], w)) {
        w.failure!.path.push(keys[i]!)
        return false
      }
    }
    return true
  }
  write(value: A, w: Writer): void {
    const { codecs, keys } = this
    for (let i = 0; i < keys.length; i++) codecs[i]!.write((value as Record<string, unknown>)[keys[i]!], w)
  }
}

/** @internal */
export const decode = <A, E>(
  struct: StructCodec<A>,
  frame: Uint8Array,
  onError: (data: ErrorData) => E
): Either.Either<A, E> => {
  const r = new Reader(frame)
  const value = struct.read(r)
  if (value === FAIL) return Either.left(onError(toErrorData(r.failure!)))
  if (r.offset < r.length) {
    return Either.left(onError({
      reason: "TrailingBytes",
      offset: r.offset,
      field: struct.keys[struct.keys.length - 1] ?? "",
      detail: `${r.length - r.offset} byte${r.length - r.offset === 1 ? "" : "s"} left over after the last field`
    }))
  }
  return Either.right(value)
}

/** Check and size the value, then allocate once and write. @internal */
export const encode = <A, E>(
  struct: StructCodec<A>,
  value: A,
  onError: (data: ErrorData) => E
): Either.Either<Uint8Array, E> => {
  const w = new Writer()
  if (!struct.measure(value, w)) return Either.left(onError(toErrorData(w.failure!)))
  // every byte is written below, but a pooled Buffer would hand out a view of
  // a shared 8 KiB slab (and the `new DataView(out.buffer)` trap with it)
  w.bytes = new Uint8Array(w.offset)
  w.view = new DataView(w.bytes.buffer)
  w.offset = 0
  struct.write(value, w)
  return Either.right(w.bytes)
}

/** Check without writing: what Schema's type side asks. @internal */
export const validate = <A>(struct: StructCodec<A>, value: unknown): ErrorData | undefined => {
  const w = new Writer()
  return struct.measure(value, w) ? undefined : toErrorData(w.failure!)
}
