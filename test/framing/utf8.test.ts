import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import * as Utf8 from "../../src/Utf8.js"

const bytes = (...values: Array<number>) => new Uint8Array(values)

const decodeChunks = (chunks: ReadonlyArray<Uint8Array>) =>
  Stream.fromIterable(chunks).pipe(Utf8.decode, Stream.mkString, Effect.either)

/** cut `data` into windows of `size` bytes */
const windows = (data: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

// WPT encoding/textdecoder-fatal.any.js: every `bad` utf-8 case, with the
// offset of the bad sequence's first byte that our error adds.
const wptFatal: ReadonlyArray<readonly [name: string, input: Array<number>, offset: number]> = [
  ["invalid code", [0xff], 0],
  ["ends early", [0xc0], 0],
  ["ends early 2", [0xe0], 0],
  ["invalid trail", [0xc0, 0x00], 0],
  ["invalid trail 2", [0xc0, 0xc0], 0],
  ["invalid trail 3", [0xe0, 0x00], 0],
  ["invalid trail 4", [0xe0, 0xc0], 0],
  ["invalid trail 5", [0xe0, 0x80, 0x00], 0],
  ["invalid trail 6", [0xe0, 0x80, 0xc0], 0],
  ["> 0x10FFFF", [0xfc, 0x80, 0x80, 0x80, 0x80, 0x80], 0],
  ["obsolete lead byte", [0xfe, 0x80, 0x80, 0x80, 0x80, 0x80], 0],
  ["overlong U+0000 - 2 bytes", [0xc0, 0x80], 0],
  ["overlong U+0000 - 3 bytes", [0xe0, 0x80, 0x80], 0],
  ["overlong U+0000 - 4 bytes", [0xf0, 0x80, 0x80, 0x80], 0],
  ["overlong U+0000 - 5 bytes", [0xf8, 0x80, 0x80, 0x80, 0x80], 0],
  ["overlong U+0000 - 6 bytes", [0xfc, 0x80, 0x80, 0x80, 0x80, 0x80], 0],
  ["overlong U+007F - 2 bytes", [0xc1, 0xbf], 0],
  ["overlong U+007F - 3 bytes", [0xe0, 0x81, 0xbf], 0],
  ["overlong U+007F - 4 bytes", [0xf0, 0x80, 0x81, 0xbf], 0],
  ["overlong U+007F - 5 bytes", [0xf8, 0x80, 0x80, 0x81, 0xbf], 0],
  ["overlong U+007F - 6 bytes", [0xfc, 0x80, 0x80, 0x80, 0x81, 0xbf], 0],
  ["overlong U+07FF - 3 bytes", [0xe0, 0x9f, 0xbf], 0],
  ["overlong U+07FF - 4 bytes", [0xf0, 0x80, 0x9f, 0xbf], 0],
  ["overlong U+07FF - 5 bytes", [0xf8, 0x80, 0x80, 0x9f, 0xbf], 0],
  ["overlong U+07FF - 6 bytes", [0xfc, 0x80, 0x80, 0x80, 0x9f, 0xbf], 0],
  ["overlong U+FFFF - 4 bytes", [0xf0, 0x8f, 0xbf, 0xbf], 0],
  ["overlong U+FFFF - 5 bytes", [0xf8, 0x80, 0x8f, 0xbf, 0xbf], 0],
  ["overlong U+FFFF - 6 bytes", [0xfc, 0x80, 0x80, 0x8f, 0xbf, 0xbf], 0],
  ["overlong U+10FFFF - 5 bytes", [0xf8, 0x84, 0x8f, 0xbf, 0xbf], 0],
  ["overlong U+10FFFF - 6 bytes", [0xfc, 0x80, 0x84, 0x8f, 0xbf, 0xbf], 0],
  ["lead surrogate", [0xed, 0xa0, 0x80], 0],
  ["trail surrogate", [0xed, 0xb0, 0x80], 0],
  ["surrogate pair", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], 0]
]

describe("Utf8.decode", () => {
  for (const [name, input, offset] of wptFatal) {
    it.effect(`WPT textdecoder-fatal.any.js ${name}`, () =>
      Effect.gen(function*() {
        const prefix = new TextEncoder().encode("ok: ")
        const data = new Uint8Array([...prefix, ...input])
        for (const size of [1, 2, 3, data.length]) {
          const result = yield* decodeChunks(windows(data, size))
          const error = new Utf8.InvalidUtf8Error(
            // a lead byte that could still be completed, when the input ends
            input.length === 1 && input[0] === 0xe0
              ? { offset: prefix.length + offset, incomplete: true }
              : { offset: prefix.length + offset }
          )
          expect(result).toStrictEqual(Either.left(error))
        }
      }))
  }

  // WPT encoding/textdecoder-streaming.any.js, utf-8, 1..5 byte windows
  const wptString = "\x00123ABCabc\x80\xFF\u0100\u1000\uFFFD\uD800\uDC00\uDBFF\uDFFF"
  const wptOctets = bytes(
    0x00, 0x31, 0x32, 0x33, 0x41, 0x42, 0x43, 0x61, 0x62, 0x63, 0xc2, 0x80,
    0xc3, 0xbf, 0xc4, 0x80, 0xe1, 0x80, 0x80, 0xef, 0xbf, 0xbd, 0xf0, 0x90,
    0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf
  )
  for (let len = 1; len <= 5; len++) {
    it.effect(`WPT textdecoder-streaming.any.js utf-8, ${len} byte window`, () =>
      Effect.gen(function*() {
        expect(yield* decodeChunks(windows(wptOctets, len))).toStrictEqual(Either.right(wptString))
      }))
  }

  // WPT encoding/textdecoder-fatal-streaming.any.js: an unterminated sequence fails when the stream ends
  it.effect("WPT textdecoder-fatal-streaming.any.js unterminated utf-8 sequence", () =>
    Effect.gen(function*() {
      expect(yield* decodeChunks([bytes(0xc0)])).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 0 })))
    }))

  it.effect("an incomplete character at the end fails at its first byte", () =>
    Effect.gen(function*() {
      // "ab" then the first three bytes of U+1F600, split across chunks
      const result = yield* decodeChunks([bytes(0x61, 0x62, 0xf0), bytes(0x9f), bytes(0x98)])
      expect(result).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 2, incomplete: true })))
      expect(Either.flip(result).pipe(Either.getOrThrow).message).toBe("incomplete UTF-8 sequence at offset 2")
    }))

  it.effect("a bad continuation in a later chunk is placed at the lead byte in the earlier one", () =>
    Effect.gen(function*() {
      const result = yield* decodeChunks([bytes(0x61, 0x62, 0x63, 0xe2), bytes(0x82), bytes(0x41)])
      expect(result).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 3 })))
    }))

  it.effect("a stray continuation byte deep in the stream", () =>
    Effect.gen(function*() {
      const chunks = [new Uint8Array(1000).fill(0x61), new Uint8Array(500).fill(0x62), bytes(0x63, 0x80)]
      expect(yield* decodeChunks(chunks)).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 1501 })))
    }))

  it.effect("text decoded before an error is emitted before it", () =>
    Effect.gen(function*() {
      const exit = yield* Stream.fromIterable([bytes(0x68, 0x69), bytes(0xff)]).pipe(
        Utf8.decode,
        Stream.either,
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(exit)).toStrictEqual([
        Either.right("hi"),
        Either.left(new Utf8.InvalidUtf8Error({ offset: 2 }))
      ])
    }))

  it.effect("the valid text before a bad byte comes out whether or not they share a chunk (issue 10 item 4)", () =>
    Effect.gen(function*() {
      const run = (...chunks: Array<Uint8Array>) =>
        Stream.fromIterable(chunks).pipe(Utf8.decode, Stream.either, Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      const expected = [Either.right("abc"), Either.left(new Utf8.InvalidUtf8Error({ offset: 3 }))]
      expect(yield* run(bytes(0x61, 0x62, 0x63, 0xff))).toStrictEqual(expected)
      expect(yield* run(bytes(0x61, 0x62, 0x63), bytes(0xff))).toStrictEqual(expected)
      // a character split before the bad byte: its pending bytes are part of the text
      expect(yield* run(bytes(0x61, 0xe2, 0x82), bytes(0xac, 0xff))).toStrictEqual([
        Either.right("a"),
        Either.right("\u20ac"),
        Either.left(new Utf8.InvalidUtf8Error({ offset: 4 }))
      ])
    }))

  it.effect("a BOM is kept as U+FEFF", () =>
    Effect.gen(function*() {
      expect(yield* decodeChunks([bytes(0xef, 0xbb), bytes(0xbf, 0x61)])).toStrictEqual(Either.right("\uFEFFa"))
    }))

  it.effect("empty chunks and an empty stream decode to nothing", () =>
    Effect.gen(function*() {
      expect(yield* decodeChunks([])).toStrictEqual(Either.right(""))
      expect(yield* decodeChunks([bytes(), bytes(0x61), bytes()])).toStrictEqual(Either.right("a"))
    }))

  it.effect("upstream errors pass through unchanged", () =>
    Effect.gen(function*() {
      const result = yield* Stream.concat(Stream.make(bytes(0x61)), Stream.fail("boom" as const)).pipe(
        Utf8.decode,
        Stream.runCollect,
        Effect.either
      )
      expect(result).toStrictEqual(Either.left("boom"))
    }))
})

describe("Utf8.decodeFrames", () => {
  it.effect("one string per frame, empty frames included", () =>
    Effect.gen(function*() {
      const frames = ["héllo", "", "𝄞"].map((text) => new TextEncoder().encode(text))
      const got = yield* Stream.fromIterable(frames).pipe(Utf8.decodeFrames, Stream.runCollect)
      expect(Chunk.toReadonlyArray(got)).toStrictEqual(["héllo", "", "𝄞"])
    }))

  it.effect("a frame cut inside a character is invalid, at the offset within the frame", () =>
    Effect.gen(function*() {
      const result = yield* Stream.make(bytes(0x61), bytes(0x62, 0xe2, 0x82)).pipe(
        Utf8.decodeFrames,
        Stream.runCollect,
        Effect.either
      )
      expect(result).toStrictEqual(Either.left(new Utf8.InvalidUtf8Error({ offset: 1, incomplete: true })))
    }))
})

describe("Utf8.decodeLenient", () => {
  it.effect("replaces bad sequences with U+FFFD and still joins split characters", () =>
    Effect.gen(function*() {
      const got = yield* Stream.make(bytes(0x61, 0xff, 0xe2), bytes(0x82, 0xac), bytes(0xf0)).pipe(
        Utf8.decodeLenient,
        Stream.mkString
      )
      expect(got).toBe("a\uFFFD€\uFFFD")
    }))
})

describe("Utf8.encode", () => {
  it.effect("encodes each string; a lone surrogate becomes U+FFFD", () =>
    Effect.gen(function*() {
      const got = yield* Stream.make("a€", "\uD800").pipe(Utf8.encode, Stream.runCollect)
      expect(Chunk.toReadonlyArray(got)).toStrictEqual([bytes(0x61, 0xe2, 0x82, 0xac), bytes(0xef, 0xbf, 0xbd)])
    }))
})
