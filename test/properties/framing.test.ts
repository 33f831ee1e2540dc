import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Framing from "../../src/Framing.js"
import * as Testing from "../../src/testing.js"
import { anyFrame, concat, cutAt, decode, encodeStream, frameOf, latin1 } from "../util/bytes.js"

const { FrameTooLargeError, MalformedFrameError } = Framing
const cuts = Testing.cutPoints

const runs = (numRuns: number) => ({ fastCheck: { numRuns } })

/** The decoders are synchronous state machines: a property runs its Effect to completion at once. */
const run = <A>(effect: Effect.Effect<A>): A => Effect.runSync(effect)

/**
 * A framer under test, with what it takes to predict its output: which frames it can carry, and
 * the frame a decoder gives back for an encoded one (a kept header has its length field rewritten).
 * The chunking, truncation and garbage properties are effect-net/testing's, as a user runs them.
 */
interface Case {
  readonly name: string
  readonly framer: Framing.Framer
  readonly frame: fc.Arbitrary<Uint8Array>
  readonly decoded: (frame: Uint8Array, wire: Uint8Array) => Uint8Array
  /** delimited and lines: the same framer with emitTrailing */
  readonly trailing?: Framing.Framer
  readonly lines?: boolean
}

const lengthPrefixed = (options: Framing.LengthPrefixedOptions): Case => {
  const headerEnd = (options.lengthFieldOffset ?? 0) + (options.lengthFieldLength ?? 4)
  const strip = options.initialBytesToStrip ?? headerEnd
  return {
    name: `lengthPrefixed(${JSON.stringify(options)})`,
    framer: Framing.lengthPrefixed(options),
    frame: anyFrame,
    decoded: (_, wire) => wire.subarray(strip),
  }
}

const varint: Case = {
  name: "varint()",
  framer: Framing.varint(),
  frame: anyFrame,
  decoded: (frame) => frame,
}

const fixedLength = (size: number): Case => ({
  name: `fixedLength(${size})`,
  framer: Framing.fixedLength(size),
  frame: fc.uint8Array({ minLength: size, maxLength: size }),
  decoded: (frame) => frame,
})

const delimited = (delimiter: string): Case => ({
  name: `delimited(${JSON.stringify(delimiter)})`,
  framer: Framing.delimited({ delimiter }),
  // mostly the delimiter's own bytes, so frames that contain it or end in a prefix of it are common
  frame: frameOf([...Buffer.from(delimiter, "latin1"), 0x78]),
  decoded: (frame) => frame,
  trailing: Framing.delimited({ delimiter, emitTrailing: true })
})

const lines: Case = {
  name: "lines()",
  framer: Framing.lines(),
  frame: frameOf([0x0a, 0x0d, 0x61]),
  decoded: (frame) => frame,
  trailing: Framing.lines({ emitTrailing: true }),
  lines: true
}

const cases: ReadonlyArray<Case> = [
  lengthPrefixed({}),
  lengthPrefixed({ lengthFieldLength: 1 }),
  lengthPrefixed({ lengthFieldLength: 2, byteOrder: "little" }),
  lengthPrefixed({ lengthFieldLength: 3, lengthFieldOffset: 2 }),
  lengthPrefixed({ lengthFieldLength: 8 }),
  lengthPrefixed({ lengthFieldLength: 8, byteOrder: "little", lengthFieldOffset: 1 }),
  lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0 }),
  lengthPrefixed({ lengthFieldLength: 3, lengthAdjustment: 2, initialBytesToStrip: 0 }),
  lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0 }),
  lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: 1, initialBytesToStrip: 3 }),
  lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 3 }),
  lengthPrefixed({ lengthFieldLength: 2, initialBytesToStrip: 1, byteOrder: "little" }),
  lengthPrefixed({ lengthFieldLength: 1, initialBytesToStrip: 3 }),
  varint,
  delimited("\0"),
  delimited("\r\n"),
  delimited("aba"),
  delimited("aa"),
  delimited("--end--"),
  lines,
  fixedLength(1),
  fixedLength(3),
  fixedLength(8)
]

/** The frames a case can carry, with their wire bytes and what decoding them gives. */
const encodable = (c: Case, candidates: ReadonlyArray<Uint8Array>) =>
  candidates.flatMap((frame) => {
    const wire = c.framer.encodeFrame(frame)
    return Either.isRight(wire) ? [{ frame, wire: wire.right, decoded: c.decoded(frame, wire.right) }] : []
  })

/**
 * The wire of `frames` cut after `end` (mod its length + 1) bytes: the frames that arrived whole,
 * and where the first incomplete one starts (for emitTrailing, which Testing.prefixesTruncate
 * does not cover: there the partial frame is a last frame).
 */
const cutShort = (frames: ReturnType<typeof encodable>, end: number) => {
  const wire = concat(frames.map((f) => f.wire))
  const at = end % (wire.length + 1)
  let start = 0
  const complete: Array<string> = []
  for (const f of frames) {
    if (start + f.wire.length > at) break
    complete.push(latin1(f.decoded))
    start += f.wire.length
  }
  return { wire, at, start, complete }
}

const isFramingError = (error: unknown): boolean =>
  error instanceof Framing.TruncatedFrameError || error instanceof FrameTooLargeError ||
  error instanceof MalformedFrameError

/** Frames as the decoder gives them back: what a framer that rewrites a kept header is checked with. */
const asDecoded = (c: Case) =>
  c.frame.map((frame) => {
    const wire = c.framer.encodeFrame(frame)
    return Either.isRight(wire) ? c.decoded(frame, wire.right) : frame
  })

describe.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
  const chunking = Testing.chunkingInvariant(c.framer, asDecoded(c))
  it.prop("the frames do not depend on where TCP cut the bytes", chunking.arbitraries, chunking.predicate, runs(25))

  const prefixes = Testing.prefixesTruncate(c.framer, asDecoded(c), { maxFrames: 6 })
  it.prop(
    "a stream cut short ends with TruncatedFrameError after exactly the complete frames",
    prefixes.arbitraries,
    prefixes.predicate,
    runs(25)
  )

  const garbage = Testing.garbageIsTyped(c.framer, { isError: isFramingError })
  it.prop(
    "garbage cut anywhere gives the same frames and the same FramingError as in one chunk",
    garbage.arbitraries,
    garbage.predicate,
    runs(25)
  )

  it.prop(
    "the encode stream is the concatenation of encodeFrame, up to the first frame it refuses",
    [fc.array(c.frame, { maxLength: 6 })],
    ([frames]) =>
      run(Effect.gen(function*() {
        const wire: Array<Uint8Array> = []
        let error: Framing.FramingError | undefined
        for (const frame of frames) {
          const one = c.framer.encodeFrame(frame)
          if (Either.isLeft(one)) {
            error = one.left
            break
          }
          wire.push(one.right)
        }
        const got = yield* encodeStream(c.framer, frames)
        expect({ wire: got.wire, error: got.error }).toEqual({ wire: latin1(concat(wire)), error })
        // the frames of one input chunk (all small here) come out in one buffer
        expect(got.chunks.length).toBe(wire.length === 0 ? 0 : 1)
      })),
    runs(15)
  )
})

describe.each(cases.filter((c) => c.trailing !== undefined).map((c) => [c.name, c] as const))("%s with emitTrailing", (_, c) => {
  it.prop(
    "a stream cut short ends with its partial frame as a last frame",
    [fc.array(c.frame, { maxLength: 6 }), cuts, fc.nat()],
    ([candidates, cutPoints, end]) =>
      run(Effect.gen(function*() {
        const { wire, at, start, complete: expected } = cutShort(encodable(c, candidates), end)
        let partial = latin1(wire.subarray(start, at))
        // lines: a last "\r" is taken for (the start of) a line ending; a lone "\r" is no line
        if (c.lines === true && partial.endsWith("\r")) partial = partial === "\r" ? "" : partial.slice(0, -1)
        if (partial.length > 0) expected.push(partial)
        expect(yield* decode(c.trailing!, cutAt(wire.subarray(0, at), cutPoints))).toEqual({ frames: expected })
      })),
    runs(25)
  )
})

/**
 * The same framer with a small limit: onOversize "skip" drops exactly the frames over it (the
 * limit counts the emitted frame, delimiter excluded); "fail" ends the stream at the first one.
 */
interface Limited {
  readonly name: string
  readonly encoder: Framing.Framer
  readonly limited: (onOversize: Framing.OnOversize) => Framing.Framer
  readonly frame: fc.Arbitrary<Uint8Array>
  readonly decoded: (frame: Uint8Array, wire: Uint8Array) => Uint8Array
  /** the FrameTooLargeError for an emitted frame of this length */
  readonly tooLarge: (length: number) => Framing.FrameTooLargeError
}

const limit = 5

const sizedTooLarge = (length: number) => new FrameTooLargeError({ length, maxFrameLength: limit })
const delimitedTooLarge = () => new FrameTooLargeError({ length: limit + 1, maxFrameLength: limit })

const limitedCases: ReadonlyArray<Limited> = [
  {
    name: "lengthPrefixed({ lengthFieldLength: 1 })",
    encoder: Framing.lengthPrefixed({ lengthFieldLength: 1 }),
    limited: (onOversize) => Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: limit, onOversize }),
    frame: fc.uint8Array({ maxLength: 12 }),
    decoded: (frame) => frame,
    tooLarge: sizedTooLarge
  },
  {
    name: "lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 0 })",
    encoder: Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 0 }),
    limited: (onOversize) =>
      Framing.lengthPrefixed({
        lengthFieldOffset: 1,
        lengthFieldLength: 2,
        lengthAdjustment: -3,
        initialBytesToStrip: 0,
        maxFrameLength: limit,
        onOversize
      }),
    frame: fc.uint8Array({ minLength: 3, maxLength: 12 }),
    decoded: (_, wire) => wire,
    tooLarge: sizedTooLarge
  },
  {
    name: "varint()",
    encoder: Framing.varint(),
    limited: (onOversize) => Framing.varint({ maxFrameLength: limit, onOversize }),
    frame: fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ minLength: 128, maxLength: 140 })),
    decoded: (frame) => frame,
    tooLarge: sizedTooLarge
  },
  ...["\0", "\r\n", "aba"].map((delimiter): Limited => ({
    name: `delimited(${JSON.stringify(delimiter)})`,
    encoder: Framing.delimited({ delimiter }),
    limited: (onOversize) => Framing.delimited({ delimiter, maxFrameLength: limit, onOversize }),
    frame: frameOf([...Buffer.from(delimiter, "latin1"), 0x78], 12),
    decoded: (frame) => frame,
    tooLarge: delimitedTooLarge
  })),
  {
    name: "lines()",
    encoder: Framing.lines(),
    limited: (onOversize) => Framing.lines({ maxFrameLength: limit, onOversize }),
    frame: frameOf([0x0a, 0x0d, 0x61], 12),
    decoded: (frame) => frame,
    tooLarge: delimitedTooLarge
  }
]

describe.each(limitedCases.map((c) => [c.name, c] as const))("%s with maxFrameLength 5", (_, c) => {
  const frames = (candidates: ReadonlyArray<Uint8Array>) =>
    candidates.flatMap((frame) => {
      const wire = c.encoder.encodeFrame(frame)
      return Either.isRight(wire) ? [{ wire: wire.right, decoded: c.decoded(frame, wire.right) }] : []
    })

  it.prop(
    "onOversize skip drops exactly the frames over the limit, however the bytes were cut",
    [fc.array(c.frame, { maxLength: 8 }), cuts],
    ([candidates, cutPoints]) =>
      run(Effect.gen(function*() {
        const all = frames(candidates)
        const wire = concat(all.map((f) => f.wire))
        const kept = all.filter((f) => f.decoded.length <= limit).map((f) => latin1(f.decoded))
        expect(yield* decode(c.limited("skip"), cutAt(wire, cutPoints))).toEqual({ frames: kept })
      })),
    runs(25)
  )

  it.prop(
    "onOversize fail ends the stream at the first frame over the limit, after the ones before it",
    [fc.array(c.frame, { maxLength: 8 }), cuts],
    ([candidates, cutPoints]) =>
      run(Effect.gen(function*() {
        const all = frames(candidates)
        const wire = concat(all.map((f) => f.wire))
        const first = all.findIndex((f) => f.decoded.length > limit)
        const got = yield* decode(c.limited("fail"), cutAt(wire, cutPoints))
        if (first < 0) expect(got).toEqual({ frames: all.map((f) => latin1(f.decoded)) })
        else {
          expect(got).toEqual({
            frames: all.slice(0, first).map((f) => latin1(f.decoded)),
            error: c.tooLarge(all[first]!.decoded.length)
          })
        }
      })),
    runs(25)
  )
})

// Garbage through framers with small limits, skipping, stripping and adjustments, where the
// too-large paths are common. These compare cut against one-chunk output only; MalformedFrameError
// is rare here (negative adjustment, over-stripping) and a delimiter framer never decodes to it:
// delimiterReference.test.ts checks lines/delimited against expected values.
const strict: ReadonlyArray<readonly [string, Framing.Framer]> = [
  ["lengthPrefixed 1-byte field, max 4", Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 4 })],
  ["lengthPrefixed 1-byte field, max 4, skip", Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 4, onOversize: "skip" })],
  ["lengthPrefixed adjustment -3, strip 1", Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 1 })],
  ["lengthPrefixed 1-byte field, strip 4", Framing.lengthPrefixed({ lengthFieldLength: 1, initialBytesToStrip: 4 })],
  ["lengthPrefixed offset 1, little 2-byte field, max 6, skip", Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2, byteOrder: "little", maxFrameLength: 6, onOversize: "skip" })],
  ["varint max 3", Framing.varint({ maxFrameLength: 3 })],
  ["varint max 3, skip", Framing.varint({ maxFrameLength: 3, onOversize: "skip" })],
  ["delimited aba max 3, skip, emitTrailing", Framing.delimited({ delimiter: "aba", maxFrameLength: 3, onOversize: "skip", emitTrailing: true })],
  ["delimited \\r\\n max 2, emitTrailing", Framing.delimited({ delimiter: "\r\n", maxFrameLength: 2, emitTrailing: true })],
  ["delimited \\0 max 2, skip", Framing.delimited({ delimiter: "\0", maxFrameLength: 2, onOversize: "skip" })],
  ["lines max 2, skip, emitTrailing", Framing.lines({ maxFrameLength: 2, onOversize: "skip", emitTrailing: true })],
  ["lines max 1", Framing.lines({ maxFrameLength: 1 })],
  ["lines max 2, emitTrailing", Framing.lines({ maxFrameLength: 2, emitTrailing: true })]
]

// Bytes no larger than 4: length fields that with a negative adjustment or a large strip make
// MalformedFrameError (a negative body, or a frame shorter than its strip) in about half of the samples,
// so that every error kind comes in ≥ 10% of all garbage samples of this file's strict framers
// (measured once with fc.sample, 2,000 per framer: see the note on issue 12).
const tiny = fc.uint8Array({ maxLength: 24, max: 4 })
const malformable: ReadonlyArray<readonly [string, Framing.Framer, fc.Arbitrary<Uint8Array>]> = [
  ["lengthPrefixed 1-byte field, adjustment -3, strip 1, tiny bytes", Framing.lengthPrefixed({ lengthFieldLength: 1, lengthAdjustment: -3, initialBytesToStrip: 1 }), tiny],
  ["lengthPrefixed 1-byte field, strip 4, tiny bytes", Framing.lengthPrefixed({ lengthFieldLength: 1, initialBytesToStrip: 4 }), tiny],
  ["lengthPrefixed offset 1, 1-byte field, adjustment -4, tiny bytes", Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 1, lengthAdjustment: -4 }), tiny]
]

describe.each([...strict.map(([name, framer]) => [name, framer, Testing.garbage] as const), ...malformable])("%s", (_, framer, bytes) => {
  const garbage = Testing.garbageIsTyped(framer, { isError: isFramingError, garbage: bytes })
  it.prop(
    "garbage cut anywhere ends only in frames or a FramingError, the same as in one chunk",
    garbage.arbitraries,
    garbage.predicate,
    runs(30)
  )
})
