import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Stream } from "effect"
import * as Framing from "../../src/Framing.js"
import * as Utf8 from "../../src/Utf8.js"
import * as Testing from "../../src/testing.js"
import { cutAt } from "../util/bytes.js"

const decode = (chunks: ReadonlyArray<Uint8Array>) =>
  Stream.fromIterable(chunks).pipe(Utf8.decode, Stream.mkString, Effect.either)

/** the WHATWG verdict, and for a rejection the longest valid prefix: its end is where the error must be */
const reference = (data: Uint8Array): Either.Either<string, Utf8.InvalidUtf8Error> => {
  try {
    return Either.right(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data))
  } catch {
    // the bad sequence starts where the longest prefix that decodes with only a
    // missing tail (stream mode) stops being valid
    const streaming = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
    let good = 0
    for (let i = 0; i < data.length; i++) {
      try {
        streaming.decode(data.subarray(i, i + 1), { stream: true })
      } catch {
        break
      }
      good = i + 1
    }
    // `good` bytes were accepted so far; the offending sequence began at the
    // last lead byte not yet completed, or at `good` itself
    let start = good
    for (let k = 1; k <= 3 && good - k >= 0; k++) {
      const byte = data[good - k]!
      if (byte >= 0xc0) {
        const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
        if (length > k) start = good - k
        break
      }
      if (byte < 0x80) break
    }
    // every byte was accepted in stream mode: the input ended inside a character
    return Either.left(
      new Utf8.InvalidUtf8Error(good === data.length ? { offset: start, incomplete: true } : { offset: start })
    )
  }
}

const cuts = fc.array(fc.nat(), { maxLength: 12 })
const text = fc.string({ unit: "grapheme", maxLength: 64 })
const mostlyUtf8 = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.tuple(text, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, at, byte]) => {
    // valid text with one byte changed: errors next to real characters
    const data = new TextEncoder().encode(s)
    if (data.length > 0) data[at % data.length] = byte
    return data
  })
)

describe("Utf8 properties", () => {
  it.effect.prop(
    "any string, astral characters included, decodes the same wherever the bytes are cut",
    [text, cuts],
    ([s, points]) =>
      Effect.gen(function*() {
        const data = new TextEncoder().encode(s)
        expect(yield* decode(cutAt(data, points))).toStrictEqual(Either.right(s))
        expect(yield* decode(cutAt(data, "bytewise"))).toStrictEqual(Either.right(s))
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect.prop(
    "random bytes are accepted exactly when TextDecoder fatal accepts them, and an error has the right offset",
    [mostlyUtf8, cuts],
    ([data, points]) =>
      Effect.gen(function*() {
        const expected = reference(data)
        expect(yield* decode(cutAt(data, points))).toStrictEqual(expected)
        expect(yield* decode([data])).toStrictEqual(expected)
      }),
    { fastCheck: { numRuns: 300 } }
  )

  it.effect.prop(
    "decodeLenient matches TextDecoder's replacement wherever the bytes are cut",
    [mostlyUtf8, cuts],
    ([data, points]) =>
      Effect.gen(function*() {
        const got = yield* Stream.fromIterable(cutAt(data, points)).pipe(Utf8.decodeLenient, Stream.mkString)
        expect(got).toBe(new TextDecoder("utf-8", { ignoreBOM: true }).decode(data))
      }),
    { fastCheck: { numRuns: 300 } }
  )

  it.effect.prop(
    "the text before an error and the error do not depend on the cuts (issue 10: [61 62 63] [ff] gave \"abc\", [61 62 63 ff] did not)",
    [mostlyUtf8, Testing.cutPoints],
    ([data, points]) =>
      Effect.gen(function*() {
        /** everything decode emits, joined, and how it ended */
        const run = (chunks: ReadonlyArray<Uint8Array>) =>
          Stream.fromIterable(chunks).pipe(Utf8.decode, Stream.either, Stream.runCollect, Effect.map((items) => {
            let text = ""
            let error: Utf8.InvalidUtf8Error | undefined
            for (const item of items) Either.isRight(item) ? (text += item.right) : (error = item.left)
            return { text, error }
          }))
        // the oracle: TextDecoder's verdict, and the valid prefix before the bad sequence
        const verdict = reference(data)
        const expected = Either.isRight(verdict)
          ? { text: verdict.right, error: undefined }
          : { text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(data.subarray(0, verdict.left.offset)), error: verdict.left }
        const whole = yield* run([data])
        expect(whole).toStrictEqual(expected)
        expect(yield* run(Testing.cutAt(data, points))).toStrictEqual(whole)
      }),
    { fastCheck: { numRuns: 500 } }
  )
})

describe("Utf8.encode: each string on its own", () => {
  const encodePieces = (pieces: ReadonlyArray<string>) =>
    Effect.runSync(Stream.fromIterable(pieces).pipe(Utf8.encode, Stream.runCollect))

  it("a string's bytes never move into the next one's element: each stays one message behind a framer", () => {
    // a pair split between two strings is two U+FFFD, each in its own string's element
    expect(Array.from(encodePieces(["a\ud83d", "\ude00b"]), (bytes) => Buffer.from(bytes).toString("hex"))).toStrictEqual([
      "61efbfbd",
      "efbfbd62"
    ])
    const lines = Effect.runSync(
      Stream.make("abc\ud83d", "next").pipe(Utf8.encode, Framing.lines().encode, Stream.runCollect)
    )
    expect(Buffer.concat(Array.from(lines)).toString()).toBe("abc\ufffd\nnext\n")
  })

  it.prop(
    "one element per string, each TextEncoder's bytes for it (lone surrogates and empty strings included)",
    [fc.array(fc.string({ unit: fc.oneof(fc.constantFrom("\ud83d", "\ude00"), fc.string({ unit: "grapheme", maxLength: 2 })), maxLength: 8 }), { maxLength: 6 })],
    ([pieces]) => {
      const got = Array.from(encodePieces(pieces), (bytes) => Array.from(bytes))
      expect(got).toStrictEqual(pieces.map((piece) => Array.from(new TextEncoder().encode(piece))))
    }
  )
})
