import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import { bytes, cutAt, decode, decodeStream, latin1 } from "../util/bytes.js"

const { FrameTooLargeError, TruncatedFrameError } = Framing

const tooLarge = (maxFrameLength: number) => new FrameTooLargeError({ length: maxFrameLength + 1, maxFrameLength })

// Translated from tokio-util tests/codecs.rs (LinesCodec, AnyDelimiterCodec). tokio calls
// decode() per buffer state and decode_eof() at the end; we feed the same bytes as chunks and
// look at the frames and the error that ends the stream. tokio's decode_eof returns the bytes
// after the last line ending as a last line: our `emitTrailing: true` (without it such bytes are
// TruncatedFrameError). tokio reports a too-long line and then discards up to the next newline and
// continues: our `onOversize: "skip"`; our default ends the stream with FrameTooLargeError.
describe("tokio codecs.rs lines", () => {
  it.effect("tokio codecs.rs lines_decoder", () =>
    Effect.gen(function*() {
      const input = "line 1\nline 2\r\nline 3\n\r\n\r"
      const lines = ["line 1", "line 2", "line 3", ""]
      // a lone "\r" left at the end is the start of a line ending, not a line
      expect(yield* decode(Framing.lines({ emitTrailing: true }), [input])).toEqual({ frames: lines })
      expect(yield* decode(Framing.lines({ emitTrailing: true }), [input, "k"])).toEqual({ frames: [...lines, "\rk"] })
      // without emitTrailing, the "\r" is a truncated line
      expect(yield* decode(Framing.lines(), [input])).toEqual({
        frames: lines,
        error: new TruncatedFrameError({ received: 1 })
      })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length", () =>
    Effect.gen(function*() {
      const input = "line 1 is too long\nline 2\nline 3\r\nline 4\n\r\n\r"
      expect(yield* decode(Framing.lines({ maxFrameLength: 6 }), [input])).toEqual({ frames: [], error: tooLarge(6) })
      // tokio counts the "\r" of "line 3\r\n" against max_length and rejects it; ours excludes the
      // whole line ending from the limit, so "line 3" (6 bytes) is a line
      const skipping = Framing.lines({ maxFrameLength: 6, onOversize: "skip", emitTrailing: true })
      expect(yield* decode(skipping, [input, "k"])).toEqual({ frames: ["line 2", "line 3", "line 4", "", "\rk"] })
      // "Line that's one character too long"
      expect(yield* decode(Framing.lines({ maxFrameLength: 6, emitTrailing: true }), ["aaabbbc"])).toEqual({
        frames: [],
        error: tooLarge(6)
      })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length_underrun", () =>
    Effect.gen(function*() {
      const chunks = ["line ", "too l", "ong\n", "line 2", "\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 6, onOversize: "skip" }), chunks)).toEqual({
        frames: ["line 2"]
      })
      expect(yield* decode(Framing.lines({ maxFrameLength: 6 }), chunks)).toEqual({ frames: [], error: tooLarge(6) })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length_bursts", () =>
    Effect.gen(function*() {
      const chunks = ["line ", "too l", "ong\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 10 }), chunks)).toEqual({ frames: [], error: tooLarge(10) })
      expect(yield* decode(Framing.lines({ maxFrameLength: 10, onOversize: "skip" }), chunks)).toEqual({ frames: [] })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length_big_burst", () =>
    Effect.gen(function*() {
      const chunks = ["line ", "too long!\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 10 }), chunks)).toEqual({ frames: [], error: tooLarge(10) })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length_newline_between_decodes", () =>
    Effect.gen(function*() {
      const chunks = ["hello", "\nworld"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 5 }), chunks)).toEqual({
        frames: ["hello"],
        error: new TruncatedFrameError({ received: 5 })
      })
      expect(yield* decode(Framing.lines({ maxFrameLength: 5, emitTrailing: true }), chunks)).toEqual({
        frames: ["hello", "world"]
      })
    }))

  it.effect("tokio codecs.rs lines_decoder_discard_repeat", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines({ maxFrameLength: 1 }), ["aa", "a"])).toEqual({
        frames: [],
        error: tooLarge(1)
      })
      // still discarding when the input ends: the partial line is truncated (or dropped, if trailing bytes are wanted)
      expect(yield* decode(Framing.lines({ maxFrameLength: 1, onOversize: "skip" }), ["aa", "a"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 3 })
      })
      expect(yield* decode(Framing.lines({ maxFrameLength: 1, onOversize: "skip", emitTrailing: true }), ["aa", "a"]))
        .toEqual({ frames: [] })
    }))

  it.effect("tokio codecs.rs lines_decoder_max_length_underrun_twice", () =>
    Effect.gen(function*() {
      const chunks = ["line ", "too very l", "aaaaaaaaaaaaaaaaaaaaaaa", "ong\nshort\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 11, onOversize: "skip" }), chunks)).toEqual({
        frames: ["short"]
      })
    }))
})

// tokio's AnyDelimiterCodec splits on any one byte of a set (",;\n\r") and writes another
// sequence; ours splits on one byte sequence. The translation keeps the cases' bytes with every
// seek delimiter written as ",", the codec's sequence writer.
describe("tokio codecs.rs any_delimiter", () => {
  const commas = (s: string) => s.replace(/[;\n\r]/g, ",")

  it.effect("tokio codecs.rs any_delimiters_decoder_any_character", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: ",", emitTrailing: true })
      const input = commas("chunk 1,chunk 2;chunk 3\n\r")
      expect(yield* decode(framer, [input])).toEqual({ frames: ["chunk 1", "chunk 2", "chunk 3", ""] })
      expect(yield* decode(framer, [input, "k"])).toEqual({ frames: ["chunk 1", "chunk 2", "chunk 3", "", "k"] })
    }))

  it.effect("tokio codecs.rs any_delimiters_decoder_max_length", () =>
    Effect.gen(function*() {
      const input = commas("chunk 1 is too long\nchunk 2\nchunk 3\r\nchunk 4\n\r\n")
      const skipping = Framing.delimited({ delimiter: ",", maxFrameLength: 7, onOversize: "skip", emitTrailing: true })
      expect(yield* decode(skipping, [input, "k"])).toEqual({
        frames: ["chunk 2", "chunk 3", "", "chunk 4", "", "", "k"]
      })
      const failing = Framing.delimited({ delimiter: ",", maxFrameLength: 7 })
      expect(yield* decode(failing, [input])).toEqual({ frames: [], error: tooLarge(7) })
      // "Delimiter that's one character too long"
      expect(yield* decode(failing, ["aaabbbcc"])).toEqual({ frames: [], error: tooLarge(7) })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_max_length_underrun", () =>
    Effect.gen(function*() {
      const chunks = ["chunk ", "too l", commas("ong\n"), "chunk 2", ","]
      const framer = Framing.delimited({ delimiter: ",", maxFrameLength: 7, onOversize: "skip" })
      expect(yield* decode(framer, chunks)).toEqual({ frames: ["chunk 2"] })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_max_length_underrun_twice", () =>
    Effect.gen(function*() {
      const chunks = ["chunk ", "too very l", "aaaaaaaaaaaaaaaaaaaaaaa", commas("ong\nshort\n")]
      const framer = Framing.delimited({ delimiter: ",", maxFrameLength: 11, onOversize: "skip" })
      expect(yield* decode(framer, chunks)).toEqual({ frames: ["short"] })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_max_length_bursts", () =>
    Effect.gen(function*() {
      const chunks = ["chunk ", "too l", commas("ong\n")]
      expect(yield* decode(Framing.delimited({ delimiter: ",", maxFrameLength: 11 }), chunks)).toEqual({
        frames: [],
        error: tooLarge(11)
      })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_max_length_big_burst", () =>
    Effect.gen(function*() {
      const chunks = ["chunk ", commas("too long!\n")]
      expect(yield* decode(Framing.delimited({ delimiter: ",", maxFrameLength: 11 }), chunks)).toEqual({
        frames: [],
        error: tooLarge(11)
      })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_max_length_delimiter_between_decodes", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: ",", maxFrameLength: 5, emitTrailing: true })
      expect(yield* decode(framer, ["hello", ",world"])).toEqual({ frames: ["hello", "world"] })
    }))

  it.effect("tokio codecs.rs any_delimiter_decoder_discard_repeat", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.delimited({ delimiter: ",", maxFrameLength: 1 }), ["aa", "a"])).toEqual({
        frames: [],
        error: tooLarge(1)
      })
      const skipping = Framing.delimited({ delimiter: ",", maxFrameLength: 1, onOversize: "skip" })
      expect(yield* decode(skipping, ["aa", "a", ",b,"])).toEqual({ frames: ["b"] })
    }))
})

// Netty's LineBasedFrameDecoder(maxLength, stripDelimiter, failFast). We always strip the line
// ending and always fail fast (the limit is known to be exceeded as soon as maxLength + 1 bytes
// that cannot be a line ending have arrived). Netty discards a too-long line and goes on: our
// onOversize "skip". Netty leaves bytes after the last line ending in its buffer at finish();
// ours are TruncatedFrameError (or a last line with emitTrailing).
describe("Netty LineBasedFrameDecoderTest", () => {
  it.effect("Netty LineBasedFrameDecoderTest.testDecodeWithStrip", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["first\r\nsecond\nthird"])).toEqual({
        frames: ["first", "second"],
        error: new TruncatedFrameError({ received: 5 })
      })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testDecodeWithoutStrip", () =>
    Effect.gen(function*() {
      // no stripDelimiter: false here: the same lines, without their endings
      expect(yield* decode(Framing.lines({ emitTrailing: true }), ["first\r\nsecond\nthird"])).toEqual({
        frames: ["first", "second", "third"]
      })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testTooLongLine1", () =>
    Effect.gen(function*() {
      const input = ["12345678901234567890\r\nfirst\nsecond"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 16 }), input)).toEqual({ frames: [], error: tooLarge(16) })
      expect(yield* decode(Framing.lines({ maxFrameLength: 16, onOversize: "skip" }), input)).toEqual({
        frames: ["first"],
        error: new TruncatedFrameError({ received: 6 })
      })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testTooLongLine2", () =>
    Effect.gen(function*() {
      const chunks = ["12345678901234567", "890\r\nfirst\r\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 16 }), chunks)).toEqual({ frames: [], error: tooLarge(16) })
      expect(yield* decode(Framing.lines({ maxFrameLength: 16, onOversize: "skip" }), chunks)).toEqual({
        frames: ["first"]
      })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testTooLongLineWithFailFast", () =>
    Effect.gen(function*() {
      // fail fast: the error arrives with the 17th byte, while the stream is still open
      const early = yield* decodeStream(
        Framing.lines({ maxFrameLength: 16 }),
        Stream.concat(Stream.make(bytes("12345678901234567")), Stream.never)
      )
      expect(early).toEqual({ frames: [], error: tooLarge(16) })
      const chunks = ["12345678901234567", "890", "123\r\nfirst\r\n"]
      expect(yield* decode(Framing.lines({ maxFrameLength: 16, onOversize: "skip" }), chunks)).toEqual({
        frames: ["first"]
      })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testDecodeSplitsCorrectly", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["line\r\n.\r\n"])).toEqual({ frames: ["line", "."] })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testFragmentedDecode", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["huu", "haa\r", "\nhuuhaa\r\n"])).toEqual({ frames: ["huuhaa", "huuhaa"] })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testEmptyLine", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["\nabcna\r\n"])).toEqual({ frames: ["", "abcna"] })
    }))

  it.effect("Netty LineBasedFrameDecoderTest.testNotFailFast", () =>
    Effect.gen(function*() {
      const chunks = [[0, 1, 2], [3, 4], [0x0a], [0x35], [0x0a]]
      // Netty (failFast false) reports at the "\n"; we report as soon as the 3rd byte arrives
      expect(yield* decode(Framing.lines({ maxFrameLength: 2 }), chunks)).toEqual({ frames: [], error: tooLarge(2) })
      expect(yield* decode(Framing.lines({ maxFrameLength: 2, onOversize: "skip" }), chunks)).toEqual({
        frames: ["5"]
      })
    }))
})

// Netty's DelimiterBasedFrameDecoder with Delimiters.lineDelimiter() ("\r\n" and "\n") is our
// lines(); with Delimiters.nulDelimiter() it is delimited({ delimiter: "\0" }).
describe("Netty DelimiterBasedFrameDecoderTest", () => {
  it.effect("Netty DelimiterBasedFrameDecoderTest.testMultipleLinesStrippedDelimiters", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["TestLine\r\ng\r\n"])).toEqual({ frames: ["TestLine", "g"] })
    }))

  it.effect("Netty DelimiterBasedFrameDecoderTest.testIncompleteLinesStrippedDelimiters", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["Test", "Line\r\ng\r\n"])).toEqual({ frames: ["TestLine", "g"] })
    }))

  it.effect("Netty DelimiterBasedFrameDecoderTest.testMultipleLines", () =>
    Effect.gen(function*() {
      // stripDelimiter false has no counterpart: the same frames without their delimiters
      expect(yield* decode(Framing.lines(), ["TestLine\r\ng\r\n"])).toEqual({ frames: ["TestLine", "g"] })
    }))

  it.effect("Netty DelimiterBasedFrameDecoderTest.testIncompleteLines", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["Test", "Line\r\ng\r\n"])).toEqual({ frames: ["TestLine", "g"] })
    }))

  it.effect("Netty DelimiterBasedFrameDecoderTest.testDecode", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines(), ["first\r\nsecond\nthird"])).toEqual({
        frames: ["first", "second"],
        error: new TruncatedFrameError({ received: 5 })
      })
    }))

  it.effect("Netty frame.DelimiterBasedFrameDecoderTest.testFailSlowTooLongFrameRecovery", () =>
    Effect.gen(function*() {
      const round = [[1, 2], [0], [0x41, 0]]
      const chunks = [...round, ...round]
      const nul = { delimiter: "\0", maxFrameLength: 1 } as const
      expect(yield* decode(Framing.delimited(nul), chunks)).toEqual({ frames: [], error: tooLarge(1) })
      expect(yield* decode(Framing.delimited({ ...nul, onOversize: "skip" }), chunks)).toEqual({ frames: ["A", "A"] })
    }))

  it.effect("Netty frame.DelimiterBasedFrameDecoderTest.testFailFastTooLongFrameRecovery", () =>
    Effect.gen(function*() {
      const round = [[1, 2], [0, 0x41, 0]]
      const chunks = [...round, ...round]
      const nul = { delimiter: new Uint8Array([0]), maxFrameLength: 1 } as const
      expect(yield* decode(Framing.delimited(nul), chunks)).toEqual({ frames: [], error: tooLarge(1) })
      expect(yield* decode(Framing.delimited({ ...nul, onOversize: "skip" }), chunks)).toEqual({ frames: ["A", "A"] })
    }))
})

// Newer tests of the same class, on the cost of resumed scans. Netty's multi-delimiter cases
// (testMultipleDelimitersChooseShortestFrameAcrossWindowBoundaries, and the "a"/"b" delimiters of
// testManyFramesInOneBuffer...) have no counterpart: we take one delimiter, so "a" alone here.
describe("Netty DelimiterBasedFrameDecoderTest, resumed scans", () => {
  it.effect("Netty DelimiterBasedFrameDecoderTest.testMultiByteDelimiterFoundAcrossResumedScanBoundary", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "###", maxFrameLength: 8192 })
      expect(yield* decode(framer, ["AB#", "#", "#", "CD###"])).toEqual({ frames: ["AB", "CD"] })
    }))

  // Netty asserts these scale linearly by timing them; we keep only the results here
  // (timing belongs to `npm run bench`, whose drip-feed cases compare sizes side by side).
  it.effect("Netty DelimiterBasedFrameDecoderTest.testDripFeedWithoutDelimiterDoesNotScaleQuadratically (result)", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\0", maxFrameLength: 2 ** 31 - 1 })
      const drip = Array.from({ length: 200_000 }, () => Uint8Array.of(0x61))
      expect(yield* decode(framer, drip)).toEqual({ frames: [], error: new TruncatedFrameError({ received: 200_000 }) })
    }))

  it.effect("Netty DelimiterBasedFrameDecoderTest.testManyFramesInOneBufferWithMultipleDelimitersDoesNotScaleQuadratically (result)", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "a", maxFrameLength: 2 ** 31 - 1 })
      const result = yield* decode(framer, [new Uint8Array(160_000).fill(0x61)])
      expect(result.frames.length).toBe(160_000)
      expect(result.error).toBeUndefined()
    }))
})

describe("delimited: the limit and multi-byte delimiters", () => {
  it.effect("a long self-overlapping delimiter drip-fed a byte at a time: the match falls back, never rescans", () =>
    Effect.gen(function*() {
      // "a"x15 "b": each extra "a" keeps 15 matched; only the first b after 15 a's ends the frame
      const framer = Framing.delimited({ delimiter: "a".repeat(15) + "b" })
      const wire = bytes("a".repeat(40), "b", "ab", "a".repeat(15), "b")
      expect(yield* decode(framer, cutAt(wire, "bytewise"))).toEqual({ frames: ["a".repeat(25), "ab"] })
      expect(yield* decode(framer, [wire])).toEqual({ frames: ["a".repeat(25), "ab"] })
    }))

  it.live("a tail that cannot start the delimiter counts at once: \\r\\n, max 3, 'abcd' fails while the stream is open", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 3 })
      const result = yield* decodeStream(framer, Stream.concat(Stream.make(bytes("abcd")), Stream.never)).pipe(
        Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "no error while the stream is open" })
      )
      expect(result).toEqual({ frames: [], error: new FrameTooLargeError({ length: 4, maxFrameLength: 3 }) })
    }))

  it.effect("a tail that may start the delimiter is held back: '\\r' after 3 bytes, max 3, then '\\n'", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 3 })
      expect(yield* decode(framer, ["abc\r", "\n"])).toEqual({ frames: ["abc"] })
    }))

  it.effect("at end of stream, bytes that cannot hold the delimiter are too large, not truncated", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "--end--", maxFrameLength: 0 })
      expect(yield* decode(framer, ["abcdef"])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 1, maxFrameLength: 0 })
      })
    }))
})

describe("delimited and lines: leftovers and emitTrailing", () => {
  it.effect("bytes after the last delimiter are TruncatedFrameError", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.delimited({ delimiter: "\0" }), ["ABC\0DE", "F"])).toEqual({
        frames: ["ABC"],
        error: new TruncatedFrameError({ received: 3 })
      })
      // a partial multi-byte delimiter is part of the leftovers
      expect(yield* decode(Framing.delimited({ delimiter: "\r\n" }), ["a\r\nbc\r"])).toEqual({
        frames: ["a"],
        error: new TruncatedFrameError({ received: 3 })
      })
      expect(yield* decode(Framing.lines(), ["a\nbc\r"])).toEqual({
        frames: ["a"],
        error: new TruncatedFrameError({ received: 3 })
      })
    }))

  it.effect("a stream that ends on a delimiter is not truncated and has no empty last frame", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.delimited({ delimiter: "\0", emitTrailing: true }), ["ABC\0"])).toEqual({
        frames: ["ABC"]
      })
      expect(yield* decode(Framing.lines({ emitTrailing: true }), ["a\n", ""])).toEqual({ frames: ["a"] })
    }))

  it.effect("emitTrailing emits the bytes after the last delimiter as a last frame", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.delimited({ delimiter: "\0", emitTrailing: true }), ["ABC\0DE", "F"])).toEqual({
        frames: ["ABC", "DEF"]
      })
      // a partial delimiter is content once the input has ended
      expect(yield* decode(Framing.delimited({ delimiter: "\r\n", emitTrailing: true }), ["a\r\nbc\r"])).toEqual({
        frames: ["a", "bc\r"]
      })
      // for lines a final "\r" is (the start of) a line ending, as in tokio's LinesCodec::decode_eof
      expect(yield* decode(Framing.lines({ emitTrailing: true }), ["hello\r\nyou\r"])).toEqual({
        frames: ["hello", "you"]
      })
    }))

  it.effect("emitTrailing still bounds the last frame", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 3, emitTrailing: true })
      expect(yield* decode(framer, ["ab\r\nabcd"])).toEqual({ frames: ["ab"], error: tooLarge(3) })
      const skipping = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 3, emitTrailing: true, onOversize: "skip" })
      expect(yield* decode(skipping, ["ab\r\nabcd"])).toEqual({ frames: ["ab"] })
    }))
})

describe("delimited and lines: the limit excludes the delimiter, whatever the chunking", () => {
  it.effect("a \"\\r\" at a chunk end does not trip the limit of lines", () =>
    Effect.gen(function*() {
      const framer = Framing.lines({ maxFrameLength: 3 })
      expect(yield* decode(framer, ["abc\r", "\n"])).toEqual({ frames: ["abc"] })
      expect(yield* decode(framer, cutAt(bytes("abc\r\nxyz\r\n"), "bytewise"))).toEqual({ frames: ["abc", "xyz"] })
      // but a "\r" that turns out to be content does count
      expect(yield* decode(framer, ["abc\r", "\r\n"])).toEqual({ frames: [], error: tooLarge(3) })
      expect(yield* decode(framer, ["abc\r", "x"])).toEqual({ frames: [], error: tooLarge(3) })
    }))

  it.effect("a multi-byte delimiter prefix at a chunk end does not trip the limit", () =>
    Effect.gen(function*() {
      const crlf = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 3 })
      expect(yield* decode(crlf, ["abc\r", "\n"])).toEqual({ frames: ["abc"] })
      const long = Framing.delimited({ delimiter: "--end--", maxFrameLength: 2 })
      expect(yield* decode(long, ["ab--en", "d--"])).toEqual({ frames: ["ab"] })
      expect(yield* decode(long, cutAt(bytes("ab--end--xy--end--"), "bytewise"))).toEqual({ frames: ["ab", "xy"] })
      expect(yield* decode(long, ["ab--en", "d-x"])).toEqual({ frames: [], error: tooLarge(2) })
    }))

  it.effect("maxFrameLength 0 allows only empty frames", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lines({ maxFrameLength: 0 }), ["\n\r\n", "\r", "\n"])).toEqual({
        frames: ["", "", ""]
      })
      expect(yield* decode(Framing.lines({ maxFrameLength: 0 }), ["\na"])).toEqual({ frames: [""], error: tooLarge(0) })
    }))
})

describe("delimited and lines: onOversize skip", () => {
  it.effect("delimited drops the oversized frame and the frames after it arrive", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\0", maxFrameLength: 2, onOversize: "skip" })
      expect(yield* decode(framer, ["ab\0abc\0c\0"])).toEqual({ frames: ["ab", "c"] })
    }))

  it.effect("an oversized frame over many chunks is dropped, for 1- and multi-byte delimiters", () =>
    Effect.gen(function*() {
      const wire = bytes("ok\0", "x".repeat(100), "\0", "\0next\0")
      const nul = Framing.delimited({ delimiter: "\0", maxFrameLength: 4, onOversize: "skip" })
      expect(yield* decode(nul, cutAt(wire, "bytewise"))).toEqual({ frames: ["ok", "", "next"] })
      const crlf = Framing.delimited({ delimiter: "\r\n", maxFrameLength: 4, onOversize: "skip" })
      const crlfWire = bytes("ok\r\n", "x\r".repeat(50), "\r\n", "\r\nnext\r\n")
      expect(yield* decode(crlf, cutAt(crlfWire, "bytewise"))).toEqual({ frames: ["ok", "", "next"] })
      expect(yield* decode(crlf, cutAt(crlfWire, [5, 6, 7, 50, 104, 105]))).toEqual({ frames: ["ok", "", "next"] })
    }))

  it.effect("lines drops the oversized line, also when its \"\\r\\n\" is split", () =>
    Effect.gen(function*() {
      const framer = Framing.lines({ maxFrameLength: 3, onOversize: "skip" })
      const wire = bytes("one\r\n", "too long".repeat(20), "\r\n", "two\n")
      expect(yield* decode(framer, cutAt(wire, "bytewise"))).toEqual({ frames: ["one", "two"] })
      expect(yield* decode(framer, [wire])).toEqual({ frames: ["one", "two"] })
    }))
})

describe("delimited: delimiters", () => {
  it.effect("a self-overlapping delimiter ends the frame at its first occurrence", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "aba", emitTrailing: true })
      expect(yield* decode(framer, ["xyababa"])).toEqual({ frames: ["xy", "ba"] })
      expect(yield* decode(framer, cutAt(bytes("xyababa"), "bytewise"))).toEqual({ frames: ["xy", "ba"] })
      expect(yield* decode(framer, ["ab", "aab", "a"])).toEqual({ frames: ["", ""] })
      expect(yield* decode(framer, ["aabab", "aba"])).toEqual({ frames: ["a", "b"] })
    }))

  it.effect("a multi-byte delimiter split across chunks", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\r\n" })
      expect(yield* decode(framer, ["a\r", "\nb\r", "\n"])).toEqual({ frames: ["a", "b"] })
      expect(yield* decode(framer, ["a\r", "\r", "\n"])).toEqual({ frames: ["a\r"] })
    }))

  it.effect("zero-length frames are frames", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.delimited({ delimiter: "ab" }), ["abab", "a", "b"])).toEqual({ frames: ["", "", ""] })
      expect(yield* decode(Framing.lines(), ["\n\r\n\n"])).toEqual({ frames: ["", "", ""] })
    }))

  it("onOversize skip: an oversized frame is dropped as it arrives, not held until its delimiter", () => {
    const decoder = Framing.delimited({ delimiter: "--", maxFrameLength: 4, onOversize: "skip" }).decoder()
    // white-box: what the decoder keeps is its queue; a peer's endless frame must not grow it
    const held = () => (decoder as unknown as { readonly queue: { readonly length: number } }).queue.length
    const out: Array<Uint8Array> = []
    for (let i = 0; i < 100; i++) expect(decoder.push(bytes("x".repeat(1000), "-"), out)).toBeUndefined()
    expect(held()).toBeLessThanOrEqual(1)
    expect(decoder.push(bytes("-ok--"), out)).toBeUndefined()
    expect(out.map(latin1)).toEqual(["ok"])
  })

  it("an empty delimiter is refused", () => {
    for (const delimiter of ["", new Uint8Array(0)]) {
      expect(() => Framing.delimited({ delimiter })).toThrow(Cause.IllegalArgumentException)
      expect(() => Framing.delimited({ delimiter })).toThrow(/^delimiter must not be empty$/)
    }
  })

  it.effect("a string delimiter is UTF-8", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "§" })
      expect(yield* decode(framer, ["a\xc2", "\xa7b\xc2\xa7"])).toEqual({ frames: ["a", "b"] })
    }))
})

describe("delimited and lines: views, copies, upstream errors", () => {
  it.effect("a line inside one chunk is a view of it; a line across chunks is an exactly-sized copy", () =>
    Effect.gen(function*() {
      const first = bytes("ab\r\ncd\nef")
      const second = bytes("g\n")
      const frames = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Framing.lines().decode(Stream.fromIterable([first, second])))
      )
      expect(frames.map(latin1)).toEqual(["ab", "cd", "efg"])
      expect(frames[0]!.buffer).toBe(first.buffer)
      expect(frames[1]!.buffer).toBe(first.buffer)
      expect(frames[2]!.buffer).not.toBe(first.buffer)
      expect(frames[2]!.buffer).not.toBe(second.buffer)
      expect(frames[2]!.byteLength).toBe(3) // one copy, in unzeroed pooled memory (not necessarily a buffer of its own)
    }))

  it.effect("an upstream error passes through unchanged, after the frames before it", () =>
    Effect.gen(function*() {
      const upstream = Stream.concat(Stream.make(bytes("a\nb")), Stream.fail({ code: "ECONNRESET" }))
      expect(yield* decodeStream(Framing.lines({ emitTrailing: true }), upstream)).toEqual({
        frames: ["a"],
        error: { code: "ECONNRESET" }
      })
    }))

  it.effect("the frames before an error are emitted before it", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: "\0", maxFrameLength: 2 })
      expect(yield* decode(framer, ["a\0bc\0", "def\0g\0"])).toEqual({ frames: ["a", "bc"], error: tooLarge(2) })
    }))
})
