import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as fc from "effect/FastCheck"
import * as Stream from "effect/Stream"
import type { Framer } from "../Framing.js"
import type { Check, CheckOptions, Cuts, GarbageOptions } from "../testing.js"

/** Cut points: often a few, sometimes many (down to empty chunks), sometimes one byte per chunk. */
export const cutPoints: fc.Arbitrary<Cuts> = fc.oneof(
  { arbitrary: fc.array(fc.nat(), { maxLength: 6 }), weight: 4 },
  { arbitrary: fc.array(fc.nat(), { minLength: 10, maxLength: 60 }), weight: 2 },
  { arbitrary: fc.constant("bytewise" as const), weight: 1 }
)

/** The bytes cut into chunks; each chunk is a copy with its own buffer, as a socket would deliver it. */
export const cutAt = (bytes: Uint8Array, cuts: Cuts): Array<Uint8Array> => {
  if (cuts === "bytewise") return Array.from(bytes, (byte) => Uint8Array.of(byte))
  // any number names a position: a negative one counts back from the end (-1: before the last byte)
  const m = bytes.length + 1
  const points = cuts.map((cut) => {
    if (!Number.isFinite(cut)) throw new RangeError(`a cut position must be a finite number, got ${cut}`)
    const at = Math.trunc(cut) % m
    return at < 0 ? bytes.length + at : at
  }).sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let from = 0
  for (const point of points) {
    chunks.push(bytes.slice(from, point))
    from = point
  }
  chunks.push(bytes.slice(from))
  return chunks
}

export const cuts = (bytes: Uint8Array): fc.Arbitrary<Array<Uint8Array>> => cutPoints.map((c) => cutAt(bytes, c))

/** Wire-like garbage: bytes biased towards small lengths, delimiters, `\r`, `\n` and varint continuation bits. */
export const garbage: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.array(fc.constantFrom(0, 1, 2, 3, 5, 0x0a, 0x0d, 0x2c, 0x3a, 0x61, 0x62, 0x80, 0x81, 0xff), { maxLength: 48 })
    .map((xs) => Uint8Array.from(xs))
)

/**
 * Structural equality: bytes by content; arrays, Maps and Sets by their
 * members; any other two objects of the same prototype (plain objects,
 * `Data` values, errors of the same class) by their own enumerable fields
 * (and, for errors, their `message`), recursively. `Equal` values that say
 * they are equal are equal, but not the other way round: `Data` compares
 * a `Uint8Array` field by reference.
 */
export const equivalent = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (a instanceof Uint8Array && b instanceof Uint8Array) return sameBytes(a, b)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  // no enumerable fields: their bytes are what they hold
  if (ArrayBuffer.isView(a)) return sameBytes(bytesOf(a), bytesOf(b as ArrayBufferView))
  if (a instanceof ArrayBuffer || a instanceof SharedArrayBuffer) return sameBytes(new Uint8Array(a), new Uint8Array(b as ArrayBuffer))
  if (a instanceof RegExp) return String(a) === String(b)
  if (Equal.isEqual(a) && Equal.equals(a, b)) return true
  if (Array.isArray(a)) return a.length === (b as Array<unknown>).length && a.every((x, i) => equivalent(x, (b as Array<unknown>)[i]))
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime())
  if (a instanceof Map || a instanceof Set) return equivalent([...a], [...(b as Map<unknown, unknown> | Set<unknown>)])
  if (a instanceof Error && a.message !== (b as Error).message) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && equivalent((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i])

const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength)

/** What a stream produced: its elements in order, then the error that ended it, if any. */
export interface Outcome<A, E> {
  readonly values: Array<A>
  readonly error?: E
}

/** Runs a stream to its end, keeping the elements emitted before a failure and the failure itself. Defects are not caught. */
export const outcome = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<Outcome<A, E>, never, R> =>
  stream.pipe(
    Stream.either,
    Stream.runCollect,
    Effect.map((items) => {
      const values: Array<A> = []
      for (const item of Chunk.toReadonlyArray(items)) {
        if (Either.isLeft(item)) return { values, error: item.left }
        values.push(item.right)
      }
      return { values }
    })
  )

/**
 * Decode `chunks` to the end. Framers made with `Framing.make` are synchronous state machines,
 * so the stream runs at once; a defect (a decoder that throws) is thrown here, failing the property.
 */
const decodeAll = <O, E>(framer: Framer<O, E>, chunks: ReadonlyArray<Uint8Array>): Outcome<O, E> =>
  // one pull per chunk, as a socket delivers its reads: the decoder's state must survive between pulls
  Effect.runSync(outcome(framer.decode(Stream.fromChunks(...chunks.map(Chunk.of)))))

/** The frames the framer accepts, with their wire bytes. */
const encodable = <O, E>(framer: Framer<O, E>, frames: ReadonlyArray<O>) =>
  frames.flatMap((frame) => {
    const wire = framer.encodeFrame(frame)
    return Either.isRight(wire) ? [{ frame, wire: wire.right }] : []
  })

/**
 * The frames the encoder refuses are left out of a sample, so a check on a
 * framer that refuses (nearly) every frame would pass while testing nothing:
 * once enough samples had frames and most of them had none encodable, fail.
 */
const encodableGuard = <O, E>(framer: Framer<O, E>) => {
  let withFrames = 0
  let noneEncoded = 0
  return (frames: ReadonlyArray<O>) => {
    const sent = encodable(framer, frames)
    if (frames.length > 0) {
      withFrames++
      if (sent.length === 0) noneEncoded++
      if (withFrames >= 20 && noneEncoded * 2 > withFrames) {
        throw new Error(
          `the encoder refused every frame in ${noneEncoded} of ${withFrames} samples, so the check tests nothing: ` +
            "give an arbitrary of frames the framer can encode"
        )
      }
    }
    return sent
  }
}

export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** As fast-check prints it, but an error as its tag, fields and message: `new Error("")` says nothing. */
const show = (value: unknown): string => fc.stringify(readable(value, 0))

const readable = (value: unknown, depth: number): unknown => {
  if (depth > 8 || typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map((item) => readable(item, depth + 1))
  const error = value instanceof Error
  if (!error && Object.getPrototypeOf(value) !== Object.prototype) return value
  const out: Record<string, unknown> = error ? { _tag: (value as { _tag?: unknown })._tag ?? value.name } : {}
  for (const [key, field] of Object.entries(value)) out[key] = readable(field, depth + 1)
  if (error && value.message !== "") out.message = value.message
  return out
}

const fail = (what: string, got: unknown, expected: unknown): never => {
  throw new Error(`${what}\n  got:      ${show(got)}\n  expected: ${show(expected)}`)
}

const sameFrames = <O>(equals: (a: O, b: O) => boolean, got: ReadonlyArray<O>, expected: ReadonlyArray<O>) =>
  got.length === expected.length && got.every((frame, i) => equals(frame, expected[i]!))

const framesOf = <O>(frame: fc.Arbitrary<O>, options: CheckOptions<O>) =>
  fc.array(frame, { maxLength: options.maxFrames ?? 8 })

const toCheck = <A>(arbitrary: fc.Arbitrary<A>, predicate: (value: A) => void): Check<A> => ({
  arbitraries: [arbitrary],
  predicate: ([value]) => predicate(value)
})

export const chunkingInvariant = <O, E>(
  framer: Framer<O, E>,
  frame: fc.Arbitrary<O>,
  options: CheckOptions<O> = {}
) => {
  const equals = options.equals ?? equivalent
  const encode = encodableGuard(framer)
  return toCheck(fc.record({ frames: framesOf(frame, options), cuts: cutPoints }), ({ cuts, frames }) => {
    const sent = encode(frames)
    const expected = sent.map((f) => f.frame)
    const got = decodeAll(framer, cutAt(concat(sent.map((f) => f.wire)), cuts))
    if (got.error !== undefined || !sameFrames(equals, got.values, expected)) {
      fail("decoding the encoded frames, cut into chunks, did not give them back", got, { frames: expected })
    }
  })
}

export const prefixesTruncate = <O, E>(
  framer: Framer<O, E>,
  frame: fc.Arbitrary<O>,
  options: CheckOptions<O> = {}
) => {
  const equals = options.equals ?? equivalent
  const arbitrary = fc.record({ frames: framesOf(frame, options), end: fc.nat(), cuts: cutPoints })
  const encode = encodableGuard(framer)
  return toCheck(arbitrary, ({ cuts, end, frames }) => {
    const sent = encode(frames)
    const wire = concat(sent.map((f) => f.wire))
    const at = end % (wire.length + 1)
    // the frames that arrive whole, and the one the cut falls into
    const complete: Array<O> = []
    let start = 0
    let cut: Uint8Array | undefined
    for (const f of sent) {
      if (start === at) break
      if (start + f.wire.length > at) {
        cut = f.wire
        break
      }
      complete.push(f.frame)
      start += f.wire.length
    }
    const got = decodeAll(framer, cutAt(wire.subarray(0, at), cuts))
    if (!sameFrames(equals, got.values, complete)) fail("the frames before the cut", got.values, complete)
    if (cut === undefined) {
      if (got.error !== undefined) fail("a stream cut between frames ended with an error", got.error, undefined)
      return
    }
    const error: unknown = got.error
    const expected = { _tag: "TruncatedFrameError", received: at - start, expected: `undefined or ${cut.length}` }
    if (
      !isTagged(error, "TruncatedFrameError") || !("received" in error) || error.received !== at - start ||
      ("expected" in error && error.expected !== undefined && error.expected !== cut.length)
    ) {
      fail(`a stream cut ${at - start} bytes into a frame of ${cut.length}`, error, expected)
    }
  })
}

export const garbageIsTyped = <O, E>(framer: Framer<O, E>, options: GarbageOptions = {}) => {
  const isError = options.isError ?? ((error: unknown) => isTagged(error))
  const equals = options.equals ?? equivalent
  return toCheck(fc.record({ bytes: options.garbage ?? garbage, cuts: cutPoints }), ({ bytes, cuts }) => {
    const whole = decodeAll(framer, [bytes])
    if (whole.error !== undefined && !isError(whole.error)) fail("an error of an unexpected type", whole.error, "an error")
    const rechunked = decodeAll(framer, cutAt(bytes, cuts))
    const same = sameFrames(equals, rechunked.values, whole.values) &&
      (rechunked.error === undefined ? whole.error === undefined : whole.error !== undefined && equals(rechunked.error, whole.error))
    if (!same) fail("the same bytes cut into chunks decoded differently", rechunked, whole)
  })
}

const isTagged = (u: unknown, tag?: string): u is { readonly _tag: string } =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && (tag === undefined || u._tag === tag)

export const property = <A>(check: Check<A>): fc.IPropertyWithHooks<[A]> =>
  fc.property(check.arbitraries[0], (value) => check.predicate([value]))
