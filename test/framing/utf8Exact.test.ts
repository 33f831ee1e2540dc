import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import * as Utf8 from "../../src/Utf8.js"

const bytes = (...values: Array<number>) => new Uint8Array(values)

const collect = <E>(stream: Stream.Stream<string, E>) =>
  Stream.runCollect(stream).pipe(Effect.map(Chunk.toReadonlyArray), Effect.either)

const frameError = (frame: Uint8Array) => collect(Utf8.decodeFrames(Stream.make(frame)))

// Exact outputs, element by element, and exact error fields: the lead-byte ranges at their
// boundaries, the E0/ED/F0/F4 second-byte limits, and no empty strings between characters.
describe("Utf8: exact outputs and offsets", () => {
  it.effect("a chunk that completes no character emits nothing, not an empty string", () =>
    Effect.gen(function*() {
      const split = Stream.make(bytes(0xe2), bytes(0x82), bytes(0xac, 0x61))
      expect(yield* collect(Utf8.decode(split))).toStrictEqual(Either.right(["€a"]))
      expect(yield* collect(Utf8.decodeLenient(split))).toStrictEqual(Either.right(["€a"]))
      // and the end of the stream adds nothing
      expect(yield* collect(Utf8.decode(Stream.make(bytes(0x61))))).toStrictEqual(Either.right(["a"]))
      expect(yield* collect(Utf8.decodeLenient(Stream.make(bytes(0x61))))).toStrictEqual(Either.right(["a"]))
      // the lenient end flushes an incomplete character as U+FFFD, and only then
      expect(yield* collect(Utf8.decodeLenient(Stream.make(bytes(0x61), bytes(0xe2))))).toStrictEqual(
        Either.right(["a", "\uFFFD"])
      )
    }))

  it.effect("a BOM is kept as U+FEFF by every decoder, at the start of each frame too", () =>
    Effect.gen(function*() {
      const bom = bytes(0xef, 0xbb, 0xbf, 0x61)
      expect(yield* collect(Utf8.decodeLenient(Stream.make(bom)))).toStrictEqual(Either.right(["\uFEFFa"]))
      expect(yield* collect(Utf8.decodeFrames(Stream.make(bom, bom)))).toStrictEqual(
        Either.right(["\uFEFFa", "\uFEFFa"])
      )
    }))

  it.effect("the lead bytes at the edges of each range are leads: the error is at the bad byte after them", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Array<number>, number]> = [
        [[0xc2, 0x80, 0xff], 2],
        [[0xdf, 0xbf, 0xff], 2],
        [[0xe0, 0xa0, 0x80, 0xff], 3],
        [[0xef, 0xbf, 0xbf, 0xff], 3],
        [[0xf0, 0x90, 0x80, 0x80, 0xff], 4],
        [[0xf1, 0x80, 0x80, 0x80, 0xff], 4],
        [[0xf4, 0x8f, 0xbf, 0xbf, 0xff], 4]
      ]
      for (const [input, offset] of cases) {
        expect(yield* frameError(bytes(...input))).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset })))
        // the same offset from the stream decoder, one byte per chunk
        const bytewise = Stream.fromIterable(input.map((b) => bytes(b)))
        const got = yield* Stream.runDrain(Utf8.decode(bytewise)).pipe(Effect.flip)
        expect(got).toStrictEqual(new Utf8.InvalidUtf8Error({ offset }))
      }
    }))

  it.effect("second bytes out of range after E0, ED, F0, F4 are invalid at the lead byte", () =>
    Effect.gen(function*() {
      for (const input of [[0xe0, 0x9f, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x8f, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
        expect(yield* frameError(bytes(0x61, ...input))).toStrictEqual(
          Either.left(new Utf8.InvalidUtf8Error({ offset: 1 }))
        )
      }
    }))

  it.effect("a frame that is invalid at its first byte is invalid, not incomplete", () =>
    Effect.gen(function*() {
      expect(yield* frameError(bytes(0xff, 0x61))).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 0 })))
      expect(yield* frameError(bytes(0xe2, 0x82))).toStrictEqual(
        Either.left(new Utf8.InvalidUtf8Error({ offset: 0, incomplete: true }))
      )
    }))
})
