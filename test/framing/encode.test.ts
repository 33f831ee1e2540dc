import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"
import { bytes, encodeStream, latin1 } from "../util/bytes.js"

const { FrameTooLargeError, MalformedFrameError } = Framing

const encodeFrame = (framer: Framing.Framer, frame: string | Uint8Array) =>
  Either.map(framer.encodeFrame(bytes(frame)), latin1)

const isMalformed = (result: Either.Either<string, Framing.FramingError>) =>
  Either.isLeft(result) && result.left instanceof MalformedFrameError

// Netty's LengthFieldPrepender writes the header and the message as two buffers (the test checks
// the message is passed on as the same object); encodeFrame writes one buffer. Netty's prepender
// lengthAdjustment is added to the written length; ours is the decoder's, added to the field to
// give the bytes that follow it, so the prepender's -1 is our +1, and
// lengthIncludesLengthFieldLength is lengthAdjustment = -lengthFieldLength.
describe("Netty LengthFieldPrependerTest", () => {
  it("Netty LengthFieldPrependerTest.testPrependLength", () => {
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 4 }), "A")).toEqual(Either.right("\x00\x00\x00\x01A"))
  })

  it("Netty LengthFieldPrependerTest.testPrependLengthIncludesLengthFieldLength", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldLength: 4, lengthAdjustment: -4 })
    expect(encodeFrame(framer, "A")).toEqual(Either.right("\x00\x00\x00\x05A"))
  })

  it("Netty LengthFieldPrependerTest.testPrependAdjustedLength", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldLength: 4, lengthAdjustment: 1 })
    expect(encodeFrame(framer, "A")).toEqual(Either.right("\x00\x00\x00\x00A"))
  })

  it("Netty LengthFieldPrependerTest.testAdjustedLengthLessThanZero", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldLength: 4, lengthAdjustment: 2 })
    expect(isMalformed(encodeFrame(framer, "A"))).toBe(true)
  })

  it("Netty LengthFieldPrependerTest.testPrependLengthInLittleEndian", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldLength: 4, byteOrder: "little" })
    expect(encodeFrame(framer, "A")).toEqual(Either.right("\x01\x00\x00\x00A"))
  })
})

describe("tokio codecs.rs encoders", () => {
  it.effect("tokio codecs.rs lines_encoder", () =>
    Effect.gen(function*() {
      expect(encodeFrame(Framing.lines(), "line 1")).toEqual(Either.right("line 1\n"))
      expect((yield* encodeStream(Framing.lines(), ["line 1", "line 2"])).wire).toBe("line 1\nline 2\n")
    }))

  it.effect("tokio codecs.rs any_delimiter_encoder", () =>
    Effect.gen(function*() {
      const framer = Framing.delimited({ delimiter: ";--;" })
      expect(encodeFrame(framer, "chunk 1")).toEqual(Either.right("chunk 1;--;"))
      expect((yield* encodeStream(framer, ["chunk 1", "chunk 2"])).wire).toBe("chunk 1;--;chunk 2;--;")
    }))
})

describe("encode: what cannot be encoded", () => {
  it("a length that does not fit the field is MalformedFrameError", () => {
    const oneByte = Framing.lengthPrefixed({ lengthFieldLength: 1 })
    expect(Either.isRight(oneByte.encodeFrame(new Uint8Array(255)))).toBe(true)
    expect(isMalformed(encodeFrame(oneByte, new Uint8Array(256)))).toBe(true)
    const twoBytes = Framing.lengthPrefixed({ lengthFieldLength: 2, initialBytesToStrip: 0 })
    // the kept header counts in the frame, not in the field
    expect(Either.isRight(twoBytes.encodeFrame(new Uint8Array(2 + 65535)))).toBe(true)
    expect(isMalformed(encodeFrame(twoBytes, new Uint8Array(2 + 65536)))).toBe(true)
  })

  it("a frame longer than maxFrameLength is FrameTooLargeError", () => {
    expect(encodeFrame(Framing.lengthPrefixed({ maxFrameLength: 2 }), "abc")).toEqual(
      Either.left(new FrameTooLargeError({ length: 3, maxFrameLength: 2 }))
    )
    expect(encodeFrame(Framing.varint({ maxFrameLength: 2 }), "abc")).toEqual(
      Either.left(new FrameTooLargeError({ length: 3, maxFrameLength: 2 }))
    )
    expect(encodeFrame(Framing.lines({ maxFrameLength: 2 }), "abc")).toEqual(
      Either.left(new FrameTooLargeError({ length: 3, maxFrameLength: 2 }))
    )
    expect(encodeFrame(Framing.delimited({ delimiter: "\0", maxFrameLength: 2 }), "ab")).toEqual(Either.right("ab\0"))
  })

  it("a kept header shorter than the header is MalformedFrameError", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0 })
    expect(isMalformed(encodeFrame(framer, "\xca\xfe\x00\x00"))).toBe(true)
    expect(encodeFrame(framer, "\xca\xfe\x00\x00\x00")).toEqual(Either.right("\xca\xfe\x00\x00\x00"))
  })

  it("a frame containing the delimiter is MalformedFrameError", () => {
    expect(isMalformed(encodeFrame(Framing.delimited({ delimiter: "\0" }), "a\0b"))).toBe(true)
    expect(isMalformed(encodeFrame(Framing.delimited({ delimiter: "\r\n" }), "a\r\nb"))).toBe(true)
    expect(isMalformed(encodeFrame(Framing.lines(), "a\nb"))).toBe(true)
  })

  it("a frame whose end and the delimiter overlap into an earlier delimiter is MalformedFrameError", () => {
    // "ab" + "aba" = "ababa": a decoder would find "aba" at 0
    expect(isMalformed(encodeFrame(Framing.delimited({ delimiter: "aba" }), "ab"))).toBe(true)
    // "xa" + "aa" = "xaaa": a decoder would find "aa" at 1
    expect(isMalformed(encodeFrame(Framing.delimited({ delimiter: "aa" }), "xa"))).toBe(true)
    // "x\r" + "\r\n" = "x\r\r\n" is fine: its first "\r\n" is the appended one
    expect(encodeFrame(Framing.delimited({ delimiter: "\r\n" }), "x\r")).toEqual(Either.right("x\r\r\n"))
  })

  it("a line ending in \"\\r\" is MalformedFrameError: decoding would drop the \"\\r\"", () => {
    expect(isMalformed(encodeFrame(Framing.lines(), "abc\r"))).toBe(true)
    expect(encodeFrame(Framing.lines(), "a\rc")).toEqual(Either.right("a\rc\n"))
  })

  it("fixedLength refuses a frame of another size and passes one of its size unchanged", () => {
    const framer = Framing.fixedLength(3)
    expect(isMalformed(encodeFrame(framer, "ab"))).toBe(true)
    expect(isMalformed(encodeFrame(framer, "abcd"))).toBe(true)
    expect(encodeFrame(framer, "abc")).toEqual(Either.right("abc"))
  })

  it.effect("the encode stream stops at the first frame that cannot be encoded, after the ones before it", () =>
    Effect.gen(function*() {
      expect(yield* encodeStream(Framing.lines(), ["a", "b\nc", "d"])).toEqual({
        chunks: ["a\n"],
        wire: "a\n",
        error: new MalformedFrameError({ reason: "frame contains the delimiter" })
      })
    }))
})

describe("encode: the wire format", () => {
  it("bytes stripped before the length field are written as zeros", () => {
    const framer = Framing.lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 2 })
    expect(encodeFrame(framer, "hey")).toEqual(Either.right("\x00\x00\x00\x03hey"))
  })

  it("an 8-byte length field, both byte orders", () => {
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 8 }), "ab")).toEqual(
      Either.right("\x00\x00\x00\x00\x00\x00\x00\x02ab")
    )
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 8, byteOrder: "little" }), "ab")).toEqual(
      Either.right("\x02\x00\x00\x00\x00\x00\x00\x00ab")
    )
  })

  it("a 3-byte length field", () => {
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 3 }), "x".repeat(0x0102))).toEqual(
      Either.right("\x00\x01\x02" + "x".repeat(0x0102))
    )
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 3, byteOrder: "little" }), "x".repeat(0x0102)))
      .toEqual(Either.right("\x02\x01\x00" + "x".repeat(0x0102)))
  })

  it("varints are minimal", () => {
    expect(encodeFrame(Framing.varint(), "")).toEqual(Either.right("\x00"))
    expect(encodeFrame(Framing.varint(), "x".repeat(127))).toEqual(Either.right("\x7f" + "x".repeat(127)))
    expect(encodeFrame(Framing.varint(), "x".repeat(128))).toEqual(Either.right("\x80\x01" + "x".repeat(128)))
    expect(encodeFrame(Framing.varint(), "x".repeat(16384))).toEqual(Either.right("\x80\x80\x01" + "x".repeat(16384)))
  })

  it("zero-length frames encode", () => {
    expect(encodeFrame(Framing.lengthPrefixed({ lengthFieldLength: 2 }), "")).toEqual(Either.right("\x00\x00"))
    expect(encodeFrame(Framing.lines(), "")).toEqual(Either.right("\n"))
    expect(encodeFrame(Framing.delimited({ delimiter: "aba" }), "")).toEqual(Either.right("aba"))
  })
})
