import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as os from "node:os"
import * as Framing from "../../src/Framing.js"
import { bytes, counting, cutAt, decode, decodeStream, encodeStream, int32, latin1 } from "../util/bytes.js"

const { FrameTooLargeError, MalformedFrameError, TruncatedFrameError } = Framing

/** Chunks followed by a stream that never ends: what arrives must not wait for end of input. */
const thenNothing = (...chunks: ReadonlyArray<string | ReadonlyArray<number> | Uint8Array>) =>
  Stream.concat(Stream.fromIterable(chunks.map((chunk) => bytes(chunk))), Stream.never)

const firstFrames = (framer: Framing.Framer, n: number, input: Stream.Stream<Uint8Array>) =>
  framer.decode(input).pipe(Stream.take(n), Stream.runCollect, Effect.map((c) => Chunk.toReadonlyArray(c).map(latin1)))

// Translated from tokio-util tests/length_delimited.rs. tokio's FramedRead mock delivers
// `data(...)` reads; `Pending` has no counterpart in a pull stream except "no more input yet",
// which the *_wait cases express as a stream that never ends. An error from FramedRead at end of
// input ("bytes remaining on stream") is our TruncatedFrameError.
//
// Not applicable: read_update_max_frame_len_at_rest, read_update_max_frame_len_in_flight,
// write_update_max_frame_len_at_rest, write_update_max_frame_len_in_flight (a Framer's options are
// immutable; there is no set_max_frame_length), write_zero (a writer returning Ok(0) is an I/O
// concern of the socket, not of encoding), encode_overflow (BytesMut capacity; we allocate per
// frame).
describe("tokio length_delimited.rs", () => {
  const tokio = Framing.lengthPrefixed()

  it.effect("tokio length_delimited.rs read_empty_io_yields_nothing", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, [])).toEqual({ frames: [] })
    }))

  it.effect("tokio length_delimited.rs read_single_frame_one_packet", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, ["\x00\x00\x00\x09abcdefghi"])).toEqual({ frames: ["abcdefghi"] })
    }))

  it.effect("tokio length_delimited.rs read_single_frame_one_packet_little_endian", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ byteOrder: "little" })
      expect(yield* decode(framer, ["\x09\x00\x00\x00abcdefghi"])).toEqual({ frames: ["abcdefghi"] })
    }))

  it.effect("tokio length_delimited.rs read_single_frame_one_packet_native_endian", () =>
    Effect.gen(function*() {
      // we have no "native" option: the test picks the byte order the way native_endian() does
      const little = os.endianness() === "LE"
      const framer = Framing.lengthPrefixed({ byteOrder: little ? "little" : "big" })
      const wire = little ? "\x09\x00\x00\x00abcdefghi" : "\x00\x00\x00\x09abcdefghi"
      expect(yield* decode(framer, [wire])).toEqual({ frames: ["abcdefghi"] })
    }))

  it.effect("tokio length_delimited.rs read_single_multi_frame_one_packet", () =>
    Effect.gen(function*() {
      const wire = "\x00\x00\x00\x09abcdefghi" + "\x00\x00\x00\x03123" + "\x00\x00\x00\x0bhello world"
      expect(yield* decode(tokio, [wire])).toEqual({ frames: ["abcdefghi", "123", "hello world"] })
    }))

  it.effect("tokio length_delimited.rs read_single_frame_multi_packet", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, ["\x00\x00", "\x00\x09abc", "defghi"])).toEqual({ frames: ["abcdefghi"] })
    }))

  it.effect("tokio length_delimited.rs read_multi_frame_multi_packet", () =>
    Effect.gen(function*() {
      const chunks = ["\x00\x00", "\x00\x09abc", "defghi", "\x00\x00\x00\x0312", "3\x00\x00\x00\x0bhello world"]
      expect(yield* decode(tokio, chunks)).toEqual({ frames: ["abcdefghi", "123", "hello world"] })
    }))

  it.effect("tokio length_delimited.rs read_single_frame_multi_packet_wait", () =>
    Effect.gen(function*() {
      // the frame is emitted when its last byte arrives, before the input ends
      const frames = yield* firstFrames(tokio, 1, thenNothing("\x00\x00", "\x00\x09abc", "defghi"))
      expect(frames).toEqual(["abcdefghi"])
    }))

  it.effect("tokio length_delimited.rs read_multi_frame_multi_packet_wait", () =>
    Effect.gen(function*() {
      const input = thenNothing("\x00\x00", "\x00\x09abc", "defghi", "\x00\x00\x00\x0312", "3\x00\x00\x00\x0bhello world")
      expect(yield* firstFrames(tokio, 3, input)).toEqual(["abcdefghi", "123", "hello world"])
    }))

  it.effect("tokio length_delimited.rs read_incomplete_head", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, ["\x00\x00"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 2 })
      })
    }))

  it.effect("tokio length_delimited.rs read_incomplete_head_multi", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, ["", "\x00", ""])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 1 })
      })
    }))

  it.effect("tokio length_delimited.rs read_incomplete_payload", () =>
    Effect.gen(function*() {
      expect(yield* decode(tokio, ["\x00\x00\x00\x09ab", "cd"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 8, expected: 13, headerLength: 4 })
      })
    }))

  it.effect("tokio length_delimited.rs read_max_frame_len", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ maxFrameLength: 5 })
      expect(yield* decode(framer, ["\x00\x00\x00\x09abcdefghi"])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 9, maxFrameLength: 5 })
      })
    }))

  it.effect("tokio length_delimited.rs read_one_byte_length_field", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })
      expect(yield* decode(framer, ["\x09abcdefghi"])).toEqual({ frames: ["abcdefghi"] })
    }))

  it.effect("tokio length_delimited.rs read_header_offset", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthFieldOffset: 4 })
      expect(yield* decode(framer, ["zzzz\x00\x09abcdefghi"])).toEqual({ frames: ["abcdefghi"] })
    }))

  // tokio's length_adjustment counts from the end of num_skip, Netty's (ours) from the end of the
  // length field: ours = tokio's + num_skip - (offset + length). Here 4 + 0 - 4 = 0.
  it.effect("tokio length_delimited.rs read_single_multi_frame_one_packet_skip_none_adjusted", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({
        lengthFieldLength: 2,
        lengthFieldOffset: 2,
        initialBytesToStrip: 0,
        lengthAdjustment: 0
      })
      const wire = "xx\x00\x09abcdefghi" + "yy\x00\x03123" + "zz\x00\x0bhello world"
      expect(yield* decode(framer, [wire])).toEqual({
        frames: ["xx\x00\x09abcdefghi", "yy\x00\x03123", "zz\x00\x0bhello world"]
      })
    }))

  // tokio: length 3, adjustment 0, num_skip 4; ours: adjustment 0 + 4 - 3 = 1 (see above)
  it.effect("tokio length_delimited.rs read_single_frame_length_adjusted", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 3, lengthAdjustment: 1, initialBytesToStrip: 4 })
      expect(yield* decode(framer, ["\x00\x00\x0b\x0cHello world"])).toEqual({ frames: ["Hello world"] })
    }))

  it.effect("tokio length_delimited.rs read_single_multi_frame_one_packet_length_includes_head", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -2 })
      const wire = "\x00\x0babcdefghi" + "\x00\x05123" + "\x00\x0dhello world"
      expect(yield* decode(framer, [wire])).toEqual({ frames: ["abcdefghi", "123", "hello world"] })
    }))

  it.effect("tokio length_delimited.rs write_single_frame_length_adjusted", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthAdjustment: -2 })
      expect((yield* encodeStream(framer, ["abcdefghi"])).wire).toBe("\x00\x00\x00\x0babcdefghi")
    }))

  it.effect("tokio length_delimited.rs write_nothing_yields_nothing", () =>
    Effect.gen(function*() {
      expect(yield* encodeStream(tokio, [])).toEqual({ chunks: [], wire: "", error: undefined })
    }))

  it.effect("tokio length_delimited.rs write_single_frame_one_packet", () =>
    Effect.gen(function*() {
      expect((yield* encodeStream(tokio, ["abcdefghi"])).wire).toBe("\x00\x00\x00\x09abcdefghi")
    }))

  it.effect("tokio length_delimited.rs write_single_multi_frame_one_packet", () =>
    Effect.gen(function*() {
      const { wire } = yield* encodeStream(tokio, ["abcdefghi", "123", "hello world"])
      expect(wire).toBe("\x00\x00\x00\x09abcdefghi" + "\x00\x00\x00\x03123" + "\x00\x00\x00\x0bhello world")
    }))

  // flushes between frames have no counterpart: encode emits one wire chunk per frame
  it.effect("tokio length_delimited.rs write_single_multi_frame_multi_packet", () =>
    Effect.gen(function*() {
      const { chunks } = yield* encodeStream(tokio, ["abcdefghi", "123", "hello world"])
      // the frames of one Stream chunk go out as one buffer, one write
      expect(chunks).toEqual(["\x00\x00\x00\x09abcdefghi\x00\x00\x00\x03123\x00\x00\x00\x0bhello world"])
    }))

  // a writer that is not ready (Pending) is the socket's concern; the bytes are the same
  it.effect("tokio length_delimited.rs write_single_frame_would_block", () =>
    Effect.gen(function*() {
      expect((yield* encodeStream(tokio, ["abcdefghi"])).wire).toBe("\x00\x00\x00\x09abcdefghi")
    }))

  it.effect("tokio length_delimited.rs write_single_frame_little_endian", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ byteOrder: "little" })
      expect((yield* encodeStream(framer, ["abcdefghi"])).wire).toBe("\x09\x00\x00\x00abcdefghi")
    }))

  it.effect("tokio length_delimited.rs write_single_frame_with_short_length_field", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })
      expect((yield* encodeStream(framer, ["abcdefghi"])).wire).toBe("\x09abcdefghi")
    }))

  it.effect("tokio length_delimited.rs write_max_frame_len", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ maxFrameLength: 5 })
      expect(yield* encodeStream(framer, ["abcdef"])).toEqual({
        chunks: [],
        wire: "",
        error: new FrameTooLargeError({ length: 6, maxFrameLength: 5 })
      })
    }))
})

// tokio-rs/tokio#4815: tokio checked max_frame_length against the raw field before applying
// length_adjustment, so a max-sized frame written with a negative adjustment could not be read
// back. Ours bounds the emitted frame, after adjustment and stripping, on the header.
describe("tokio issue #4815", () => {
  it.effect("tokio #4815 read_single_frame_negative_length_adjusted_and_max_sized", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ maxFrameLength: 10, lengthAdjustment: -4 })
      const payload = "a".repeat(10)
      const { wire } = yield* encodeStream(framer, [payload])
      expect(wire).toBe("\x00\x00\x00\x0e" + payload)
      expect(yield* decode(framer, [wire])).toEqual({ frames: [payload] })
      expect(yield* decode(framer, ["\x00\x00\x00\x0f" + "a".repeat(11)])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 11, maxFrameLength: 10 })
      })
    }))

  it.effect("tokio #4815 read_single_frame_positive_length_adjusted_and_max_sized", () =>
    Effect.gen(function*() {
      const wire = "\x00\x00\x00\x07Hello world"
      const fits = Framing.lengthPrefixed({ maxFrameLength: 11, lengthAdjustment: 4 })
      expect(yield* decode(fits, [wire])).toEqual({ frames: ["Hello world"] })
      // the field says 7, but 11 bytes would be emitted
      const tooSmall = Framing.lengthPrefixed({ maxFrameLength: 10, lengthAdjustment: 4 })
      expect(yield* decode(tooSmall, [wire])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 11, maxFrameLength: 10 })
      })
    }))

  it.effect("tokio #4815 the limit counts what is emitted: a kept header counts, a stripped one does not", () =>
    Effect.gen(function*() {
      const kept = Framing.lengthPrefixed({ lengthFieldLength: 2, initialBytesToStrip: 0, maxFrameLength: 5 })
      expect(yield* decode(kept, ["\x00\x03abc"])).toEqual({ frames: ["\x00\x03abc"] })
      expect(yield* decode(kept, ["\x00\x04abcd"])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 6, maxFrameLength: 5 })
      })
      const stripped = Framing.lengthPrefixed({ lengthFieldLength: 2, maxFrameLength: 5 })
      expect(yield* decode(stripped, ["\x00\x05abcde"])).toEqual({ frames: ["abcde"] })
    }))
})

// Netty's LengthFieldBasedFrameDecoder javadoc: every example, decoded whole and byte by byte,
// and encoded back (bytes stripped before the length field come back as zeros).
describe("Netty LengthFieldBasedFrameDecoder javadoc", () => {
  const examples: ReadonlyArray<{
    readonly name: string
    readonly options: Framing.LengthPrefixedOptions
    readonly wire: string
    readonly frame: string
    readonly encoded: string
  }> = [
    {
      name: "2 bytes length field at offset 0, do not strip header",
      options: { lengthFieldLength: 2, initialBytesToStrip: 0 },
      wire: "\x00\x0cHELLO, WORLD",
      frame: "\x00\x0cHELLO, WORLD",
      encoded: "\x00\x0cHELLO, WORLD"
    },
    {
      name: "2 bytes length field at offset 0, strip header",
      options: { lengthFieldLength: 2, initialBytesToStrip: 2 },
      wire: "\x00\x0cHELLO, WORLD",
      frame: "HELLO, WORLD",
      encoded: "\x00\x0cHELLO, WORLD"
    },
    {
      name: "2 bytes length field at offset 0, do not strip header, the length field represents the length of the whole message",
      options: { lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0 },
      wire: "\x00\x0eHELLO, WORLD",
      frame: "\x00\x0eHELLO, WORLD",
      encoded: "\x00\x0eHELLO, WORLD"
    },
    {
      name: "3 bytes length field at the end of 5 bytes header, do not strip header",
      options: { lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0 },
      wire: "\xca\xfe\x00\x00\x0cHELLO, WORLD",
      frame: "\xca\xfe\x00\x00\x0cHELLO, WORLD",
      encoded: "\xca\xfe\x00\x00\x0cHELLO, WORLD"
    },
    {
      name: "3 bytes length field at the beginning of 5 bytes header, do not strip header",
      options: { lengthFieldLength: 3, lengthAdjustment: 2, initialBytesToStrip: 0 },
      wire: "\x00\x00\x0c\xca\xfeHELLO, WORLD",
      frame: "\x00\x00\x0c\xca\xfeHELLO, WORLD",
      encoded: "\x00\x00\x0c\xca\xfeHELLO, WORLD"
    },
    {
      name: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field",
      options: { lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: 1, initialBytesToStrip: 3 },
      wire: "\xca\x00\x0c\xfeHELLO, WORLD",
      frame: "\xfeHELLO, WORLD",
      encoded: "\x00\x00\x0c\xfeHELLO, WORLD"
    },
    {
      name: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field, the length field represents the length of the whole message",
      options: { lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: -3, initialBytesToStrip: 3 },
      wire: "\xca\x00\x10\xfeHELLO, WORLD",
      frame: "\xfeHELLO, WORLD",
      encoded: "\x00\x00\x10\xfeHELLO, WORLD"
    }
  ]

  for (const example of examples) {
    it.effect(`Netty LengthFieldBasedFrameDecoder javadoc: ${example.name}`, () =>
      Effect.gen(function*() {
        const framer = Framing.lengthPrefixed(example.options)
        expect(yield* decode(framer, [example.wire])).toEqual({ frames: [example.frame] })
        expect(yield* decode(framer, cutAt(bytes(example.wire), "bytewise"))).toEqual({ frames: [example.frame] })
        expect((yield* encodeStream(framer, [example.frame])).wire).toBe(example.encoded)
      }))
  }
})

// Netty recovers after TooLongFrameException and CorruptedFrameException and goes on decoding;
// ours ends the stream with the error (onOversize: "skip" is the recovery for too-long frames;
// a malformed length ends the stream in every mode). Netty's maxFrameLength counts the whole
// frame on the wire; ours counts the emitted frame, so where Netty strips the header the
// translated limit is Netty's minus the stripped header.
describe("Netty LengthFieldBasedFrameDecoderTest", () => {
  // buf.writeInt(32); 32 bytes 0..31; buf.writeInt(1); buf.writeByte('a')
  const discardWire = bytes(int32(32), counting(32), int32(1), "a")
  // LengthFieldBasedFrameDecoder(16, 0, 4): adjustment 0, initialBytesToStrip 0 (header kept)
  const netty16 = { maxFrameLength: 16, lengthFieldLength: 4, initialBytesToStrip: 0 } as const

  it.effect("Netty LengthFieldBasedFrameDecoderTest.testDiscardTooLongFrame1", () =>
    Effect.gen(function*() {
      expect(yield* decode(Framing.lengthPrefixed(netty16), [discardWire])).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 36, maxFrameLength: 16 })
      })
      const skipping = Framing.lengthPrefixed({ ...netty16, onOversize: "skip" })
      expect(yield* decode(skipping, [discardWire])).toEqual({ frames: ["\x00\x00\x00\x01a"] })
    }))

  it.effect("Netty LengthFieldBasedFrameDecoderTest.testDiscardTooLongFrame2", () =>
    Effect.gen(function*() {
      const chunks = [discardWire.subarray(0, 14), discardWire.subarray(14)]
      expect(yield* decode(Framing.lengthPrefixed(netty16), chunks)).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 36, maxFrameLength: 16 })
      })
      const skipping = Framing.lengthPrefixed({ ...netty16, onOversize: "skip" })
      expect(yield* decode(skipping, chunks)).toEqual({ frames: ["\x00\x00\x00\x01a"] })
    }))

  it.effect("Netty LengthFieldBasedFrameDecoderTest.goodFrameAfterTooLongFrame", () =>
    Effect.gen(function*() {
      const good1 = bytes(int32(16), counting(16))
      const long = bytes(int32(32), counting(32))
      const good2 = bytes(int32(2), "xy")
      // "write too-long frame in 3 chunks to hit all code paths"
      const chunks = [good1, long.subarray(0, 20), long.subarray(20, 28), long.subarray(28, 36), good2]
      const options = { maxFrameLength: 20, lengthFieldLength: 4, initialBytesToStrip: 0 } as const
      expect(yield* decode(Framing.lengthPrefixed(options), chunks)).toEqual({
        frames: [latin1(good1)],
        error: new FrameTooLargeError({ length: 36, maxFrameLength: 20 })
      })
      const skipping = Framing.lengthPrefixed({ ...options, onOversize: "skip" })
      expect(yield* decode(skipping, chunks)).toEqual({ frames: [latin1(good1), latin1(good2)] })
    }))

  it.effect("Netty LengthFieldBasedFrameDecoderTest.testDecodeNextFrameAfterFrameLengthLessThanInitialBytesToStrip", () =>
    Effect.gen(function*() {
      // LengthFieldBasedFrameDecoder(16, 0, 4, 0, 6): a 4-byte frame cannot lose 6 bytes
      const framer = Framing.lengthPrefixed({ maxFrameLength: 16, initialBytesToStrip: 6 })
      const next = bytes(int32(4), [0, 1], [0, 2])
      const result = yield* decode(framer, [int32(0), next])
      expect(result.frames).toEqual([])
      expect(result.error).toBeInstanceOf(MalformedFrameError)
      // Netty decodes the next frame after the corrupt one; we end the stream, so decode it alone
      expect(yield* decode(framer, [next])).toEqual({ frames: ["\x00\x02"] })
    }))

  it.effect("Netty LengthFieldBasedFrameDecoderTest.testDecodeNextFrameAfterFrameLengthLessThanInitialBytesToStripInSeparateReads", () =>
    Effect.gen(function*() {
      // LengthFieldBasedFrameDecoder(16, 0, 4, 0, 10): an 8-byte frame cannot lose 10 bytes;
      // we know it from the length field alone, before the rest of the frame arrives
      const framer = Framing.lengthPrefixed({ maxFrameLength: 16, initialBytesToStrip: 10 })
      const headerOnly = yield* decodeStream(framer, thenNothing(int32(4)))
      expect(headerOnly.frames).toEqual([])
      expect(headerOnly.error).toBeInstanceOf(MalformedFrameError)
      const next = bytes(int32(8), int32(1), [0, 2], [0, 3])
      expect(yield* decode(framer, [next])).toEqual({ frames: ["\x00\x03"] })
    }))

  // codec/frame/LengthFieldBasedFrameDecoderTest: LengthFieldBasedFrameDecoder(5, 0, 4, 0, 4):
  // Netty's 5 counts the stripped 4-byte header, so ours is 1.
  const frameTest = { maxFrameLength: 1, lengthFieldLength: 4, initialBytesToStrip: 4 } as const

  it.effect("Netty frame.LengthFieldBasedFrameDecoderTest.testFailSlowTooLongFrameRecovery", () =>
    Effect.gen(function*() {
      const round = [[0, 0, 0, 2], [0, 0], [0, 0, 0, 1, 0x41]]
      const chunks = [...round, ...round]
      expect(yield* decode(Framing.lengthPrefixed(frameTest), chunks)).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 2, maxFrameLength: 1 })
      })
      const skipping = Framing.lengthPrefixed({ ...frameTest, onOversize: "skip" })
      expect(yield* decode(skipping, chunks)).toEqual({ frames: ["A", "A"] })
    }))

  it.effect("Netty frame.LengthFieldBasedFrameDecoderTest.testFailFastTooLongFrameRecovery", () =>
    Effect.gen(function*() {
      const round = [[0, 0, 0, 2], [0, 0, 0, 0, 0, 1, 0x41]]
      const chunks = [...round, ...round]
      // fail fast: the error arrives with the header, before the body
      const failing = yield* decodeStream(Framing.lengthPrefixed(frameTest), thenNothing([0, 0, 0, 2]))
      expect(failing).toEqual({ frames: [], error: new FrameTooLargeError({ length: 2, maxFrameLength: 1 }) })
      const skipping = Framing.lengthPrefixed({ ...frameTest, onOversize: "skip" })
      expect(yield* decode(skipping, chunks)).toEqual({ frames: ["A", "A"] })
    }))
})

describe("lengthPrefixed: leftovers at end of stream are TruncatedFrameError", () => {
  const framer = Framing.lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 2 })

  it.effect("a partial header: received counts the bytes, nothing is expected yet", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x07\x00\x01x", "\x07\x00"])).toEqual({
        frames: ["x"],
        error: new TruncatedFrameError({ received: 2 })
      })
    }))

  it.effect("a header with a partial body: expected is the frame's size on the wire", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x07\x00\x05ab", "c"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 6, expected: 8, headerLength: 3 })
      })
    }))

  it.effect("a complete header and no body at all", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x07\x00\x05"])).toEqual({
        frames: [],
        error: new TruncatedFrameError({ received: 3, expected: 8, headerLength: 3 })
      })
    }))

  it.effect("a stream that ends on a frame boundary is not truncated", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x07\x00\x01x\x07", "\x00\x00"])).toEqual({ frames: ["x", ""] })
    }))
})

describe("lengthPrefixed: FrameTooLargeError as soon as the header is read", () => {
  const withTimeout = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.timeoutFail(effect, { duration: "5 seconds", onTimeout: () => "the error waited for more input" })

  it.live("a declared 4 GiB length fails on the 4-byte header alone, while the stream is still open", () =>
    Effect.gen(function*() {
      const result = yield* withTimeout(decodeStream(Framing.lengthPrefixed(), thenNothing("\xff\xff\xff\xff")))
      expect(result).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 0xffffffff, maxFrameLength: Framing.defaultMaxFrameLength })
      })
    }))

  it.live("an 8-byte length field of 2^32 fails on the header", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 8 })
      const result = yield* withTimeout(decodeStream(framer, thenNothing("\x00\x00\x00\x01\x00\x00\x00\x00")))
      expect(result).toEqual({
        frames: [],
        error: new FrameTooLargeError({ length: 2 ** 32, maxFrameLength: Framing.defaultMaxFrameLength })
      })
    }))

  it.live("an 8-byte length field of 2^64 - 1, little-endian, fails on the header", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 8, byteOrder: "little" })
      const result = yield* withTimeout(decodeStream(framer, thenNothing("\xff".repeat(8))))
      expect(result.frames).toEqual([])
      expect(result.error).toBeInstanceOf(FrameTooLargeError)
      expect(result.error).toMatchObject({ maxFrameLength: Framing.defaultMaxFrameLength })
      expect((result.error as Framing.FrameTooLargeError).length).toBeGreaterThan(2 ** 63)
    }))

  it.effect("the frames before the oversized one are emitted first", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 3 })
      expect(yield* decode(framer, ["\x01a\x03abc\x04abcd\x01z"])).toEqual({
        frames: ["a", "abc"],
        error: new FrameTooLargeError({ length: 4, maxFrameLength: 3 })
      })
    }))
})

describe("lengthPrefixed: onOversize skip", () => {
  const framer = Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 3, onOversize: "skip" })

  it.effect("drops the oversized frame and goes on", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x01a\x05abcde\x03xyz"])).toEqual({ frames: ["a", "xyz"] })
    }))

  it.effect("drops an oversized frame spread over many chunks, and the frame after it arrives", () =>
    Effect.gen(function*() {
      const wire = bytes("\x02hi", [200], "x".repeat(200), "\x00\x02ok")
      expect(yield* decode(framer, cutAt(wire, "bytewise"))).toEqual({ frames: ["hi", "", "ok"] })
      expect(yield* decode(framer, cutAt(wire, [3, 4, 50, 150, 203, 204]))).toEqual({ frames: ["hi", "", "ok"] })
    }))

  it.effect("several oversized frames in a row", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x04abcd\x04efgh", "\x05", "ijklm\x01n"])).toEqual({ frames: ["n"] })
    }))

  it.effect("a stream that ends inside a skipped frame is truncated", () =>
    Effect.gen(function*() {
      expect(yield* decode(framer, ["\x01a\x09abc", "de"])).toEqual({
        frames: ["a"],
        error: new TruncatedFrameError({ received: 6, expected: 10, headerLength: 1 })
      })
    }))
  it.effect("a skipped frame whose 8-byte length is above 2^53 still counts the bytes it received", () =>
    Effect.gen(function*() {
      const huge = Framing.lengthPrefixed({ lengthFieldLength: 8, onOversize: "skip" })
      const result = yield* decode(huge, [bytes("\xff".repeat(8), "abc")])
      expect(result.error).toMatchObject({ _tag: "TruncatedFrameError", received: 11 })
    }))
})

describe("lengthPrefixed: MalformedFrameError", () => {
  it.effect("a negative length after adjustment", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -2 })
      const result = yield* decode(framer, ["\x00\x02", "\x00\x01ab"])
      expect(result.frames).toEqual([""])
      expect(result.error).toBeInstanceOf(MalformedFrameError)
    }))

  it.effect("a frame shorter than initialBytesToStrip", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1, initialBytesToStrip: 3 })
      // the stripped bytes run past the length field into the body
      expect(yield* decode(framer, ["\x02xy\x03xyz"])).toEqual({ frames: ["", "z"] })
      const result = yield* decode(framer, ["\x01x"])
      expect(result.frames).toEqual([])
      expect(result.error).toBeInstanceOf(MalformedFrameError)
    }))
})

describe("lengthPrefixed: zero-length frames, views and copies, upstream errors", () => {
  it.effect("zero-length frames are frames", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 })
      expect(yield* decode(framer, ["\x00\x00\x00\x00", "\x00", "\x00"])).toEqual({ frames: ["", "", ""] })
    }))

  it.effect("a frame inside one chunk is a view of it; a frame across chunks is an exactly-sized copy", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })
      const first = bytes("\x03abc\x02de\x04fg")
      const second = bytes("hi")
      const frames = Chunk.toReadonlyArray(
        yield* Stream.runCollect(framer.decode(Stream.fromIterable([first, second])))
      )
      expect(frames.map(latin1)).toEqual(["abc", "de", "fghi"])
      expect(frames[0]!.buffer).toBe(first.buffer)
      expect(frames[1]!.buffer).toBe(first.buffer)
      expect(frames[2]!.buffer).not.toBe(first.buffer)
      expect(frames[2]!.buffer).not.toBe(second.buffer)
      expect(frames[2]!.byteLength).toBe(4) // one copy, in unzeroed pooled memory (not necessarily a buffer of its own)
    }))

  it.effect("a framer is reusable: every run of a decoded stream starts from a fresh state", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })
      const cutShort = framer.decode(Stream.make(bytes("\x01a\x02b")))
      expect(yield* decodeStream(framer, Stream.make(bytes("\x01a\x02b")))).toEqual({
        frames: ["a"],
        error: new TruncatedFrameError({ received: 2, expected: 3, headerLength: 1 })
      })
      // the same stream value run twice, and the same framer on another stream
      const twice = Effect.either(Stream.runCollect(cutShort))
      expect(yield* twice).toEqual(yield* twice)
      expect(yield* decode(framer, ["\x02bc"])).toEqual({ frames: ["bc"] })
    }))

  it.effect("an upstream error passes through unchanged, even inside a frame", () =>
    Effect.gen(function*() {
      const framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })
      const upstream = Stream.concat(Stream.make(bytes("\x01a\x05ab")), Stream.fail("connection reset" as const))
      expect(yield* decodeStream(framer, upstream)).toEqual({ frames: ["a"], error: "connection reset" })
    }))
})
