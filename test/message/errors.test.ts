import * as Ndjson from "@effect/platform/Ndjson"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import * as Message from "../../src/Message.js"
import * as Utf8 from "../../src/Utf8.js"
import { bytes, concat, cutAt, cutPoints, int32 } from "../util/bytes.js"
import { decodeChunks, Item, outcome, Tagged, utf8, wireOf } from "./support.js"

const framed = (body: Uint8Array | string) => {
  const payload = typeof body === "string" ? utf8(body) : body
  return concat([int32(payload.length), payload])
}

/** The one error a single-frame decode ends with. */
const decodeError = <A>(codec: Message.Codec<A>, wire: Uint8Array) =>
  Effect.map(decodeChunks(codec, [wire]), (got) => {
    expect(got.values).toEqual([])
    return got.error
  })

const encodeError = <A>(codec: Message.Codec<A>, message: A) =>
  Effect.flip(codec.encodeMessage(message))

const Any = Schema.Unknown

describe("Message decoding failures", () => {
  it.effect("InvalidUtf8: the offset within the frame is kept in the cause", () =>
    Effect.gen(function*() {
      const frame = bytes("\"ok", [0xe2, 0x82], "\"")
      const error = yield* decodeError(Message.json(Schema.String), framed(frame))
      expect(error).toBeInstanceOf(Message.MessageDecodeError)
      expect(error).toMatchObject({ reason: "InvalidUtf8", frame })
      const cause = (error as Message.MessageDecodeError).cause
      expect(cause).toBeInstanceOf(Utf8.InvalidUtf8Error)
      expect((cause as Utf8.InvalidUtf8Error).offset).toBe(3)
      expect(error?.message).toBe("message frame of 6 bytes is not valid UTF-8: invalid UTF-8 at byte offset 3")
    }))

  it.effect("InvalidJson: the cause is JSON.parse's SyntaxError", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(Message.json(Any), framed("{nope"))
      expect(error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidJson", frame: utf8("{nope") })
      expect((error as Message.MessageDecodeError).cause).toBeInstanceOf(SyntaxError)
      expect(error?.message).toMatch(/^message frame of 5 bytes is not valid JSON: /)
    }))

  it.effect("InvalidMsgPack: an array of two holding one value", () =>
    Effect.gen(function*() {
      const frame = Uint8Array.of(0x92, 0x01)
      const error = yield* decodeError(Message.msgpack(Any), framed(frame))
      expect(error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidMsgPack", frame })
      expect(error?.message).toMatch(/^message frame of 2 bytes is not valid MessagePack: /)
    }))

  it.effect("InvalidMsgPack: bytes after the value are not ignored", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(Message.msgpack(Any), framed(Uint8Array.of(0x01, 0x02)))
      expect(error).toMatchObject({ reason: "InvalidMsgPack" })
    }))

  it.effect("Schema: well-formed JSON the schema refuses; the cause is a ParseError", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(Message.json(Item), framed("{\"text\":1}"))
      expect(error).toMatchObject({ _tag: "MessageDecodeError", reason: "Schema" })
      expect(ParseResult.isParseError((error as Message.MessageDecodeError).cause)).toBe(true)
      expect(error?.message).toMatch(/^message frame of 10 bytes does not match the schema: /)
    }))

  it.effect("Schema: msgpack and binary frames too", () =>
    Effect.gen(function*() {
      expect(yield* decodeError(Message.msgpack(Schema.String), framed(Uint8Array.of(0x01)))).toMatchObject({
        reason: "Schema"
      })
      expect(yield* decodeError(Message.binary(Tagged), framed(new Uint8Array(0)))).toMatchObject({
        reason: "Schema",
        frame: new Uint8Array(0)
      })
    }))

  it.effect("framing errors pass through unchanged", () =>
    Effect.gen(function*() {
      const truncated = yield* decodeError(Message.json(Any), bytes([0, 0, 0, 9], "{}"))
      expect(truncated).toBeInstanceOf(Framing.TruncatedFrameError)
      expect(truncated).toMatchObject({ received: 6, expected: 13 })
      const unterminated = yield* decodeError(Message.ndjson(Any), utf8("{}"))
      expect(unterminated).toBeInstanceOf(Framing.TruncatedFrameError)
    }))

  it.live("an oversized message fails on its header, before any body byte arrives", () =>
    Effect.gen(function*() {
      // the header announces 1 MiB and then the peer sends nothing more: waiting for the body would hang
      const header = Stream.concat(Stream.make(int32(1024 * 1024)), Stream.never)
      const codec = Message.json(Any, { framer: Framing.lengthPrefixed({ maxFrameLength: 1024 }) })
      const error = yield* codec.decode(header).pipe(Stream.runDrain, Effect.flip, Effect.timeout("2 seconds"))
      expect(error).toBeInstanceOf(Framing.FrameTooLargeError)
      expect(error).toMatchObject({ length: 1024 * 1024, maxFrameLength: 1024 })
      // ndjson: a line past maxLineBytes fails as soon as it is longer, without its line ending
      const line = Stream.concat(Stream.make(utf8("[" + "1,".repeat(20))), Stream.never)
      const lineError = yield* Message.ndjson(Any, { maxLineBytes: 16 }).decode(line).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.timeout("2 seconds")
      )
      expect(lineError).toMatchObject({ _tag: "FrameTooLargeError", maxFrameLength: 16 })
    }))

  const good = [{ text: "é", n: 1, tags: [] }, { text: "😀", n: 2, tags: ["中"] }]

  it.effect.prop("an invalid message mid-stream fails after the valid ones before it, wherever TCP cut", [cutPoints], ([cut]) =>
    Effect.gen(function*() {
      const codec = Message.json(Item)
      const wire = concat([yield* wireOf(codec, good), framed("{\"text\":"), yield* wireOf(codec, good)])
      const got = yield* decodeChunks(codec, cutAt(wire, cut))
      expect(got.values).toEqual(good)
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidJson" })
    }))

  it.effect("ndjson: a bad line mid-stream fails after the lines before it", () =>
    Effect.gen(function*() {
      const codec = Message.ndjson(Item)
      const wire = concat([yield* wireOf(codec, good), utf8("{\"text\":2,\"n\":1,\"tags\":[]}\n"), yield* wireOf(codec, good)])
      const got = yield* decodeChunks(codec, cutAt(wire, "bytewise"))
      expect(got.values).toEqual(good)
      expect(got.error).toMatchObject({ reason: "Schema" })
    }))
})

describe("a character split across TCP segments", () => {
  it.effect.prop("decodes whole; @effect/platform's Ndjson turns it into U+FFFD", [fc.constantFrom("é", "中", "😀", "𝄞")], ([char]) =>
    Effect.gen(function*() {
      const line = utf8(JSON.stringify({ text: `a${char}b`, n: 1, tags: [] }) + "\n")
      const at = line.indexOf(0x61) + 2 // inside the character's bytes
      const segments = [line.slice(0, at), line.slice(at)]

      const ours = yield* decodeChunks(Message.ndjson(Item), segments)
      expect(ours.values).toEqual([{ text: `a${char}b`, n: 1, tags: [] }])
      const overJson = yield* decodeChunks(Message.json(Item), cutAt(framed(line.subarray(0, -1)), [4 + at]))
      expect(overJson.values).toEqual([{ text: `a${char}b`, n: 1, tags: [] }])

      const theirs = yield* Stream.fromIterable(segments).pipe(
        Stream.pipeThroughChannel(Ndjson.unpack()),
        Stream.runCollect
      )
      const text = (Chunk.toReadonlyArray(theirs)[0] as { text: string }).text
      expect(text).not.toBe(`a${char}b`)
      expect(text).toContain("\uFFFD")
    }))
})

describe("Message encoding failures", () => {
  it.effect("Schema: a value the schema refuses; the cause is a ParseError", () =>
    Effect.gen(function*() {
      const error = yield* encodeError(Message.json(Item), { text: 1 } as unknown as Item)
      expect(error).toBeInstanceOf(Message.MessageEncodeError)
      expect(error).toMatchObject({ reason: "Schema" })
      expect(ParseResult.isParseError((error as Message.MessageEncodeError).cause)).toBe(true)
      expect(error.message).toMatch(/^message rejected by the schema: /)
    }))

  it.effect("a cycle: InvalidJson / InvalidMsgPack", () =>
    Effect.gen(function*() {
      const cycle: Record<string, unknown> = {}
      cycle.self = cycle
      const json = yield* encodeError(Message.json(Any), cycle)
      expect(json).toMatchObject({ _tag: "MessageEncodeError", reason: "InvalidJson" })
      expect((json as Message.MessageEncodeError).cause).toBeInstanceOf(TypeError)
      expect(json.message).toMatch(/^message cannot be written as JSON: /)
      const msgpack = yield* encodeError(Message.msgpack(Any), cycle)
      expect(msgpack).toMatchObject({ _tag: "MessageEncodeError", reason: "InvalidMsgPack" })
      expect(msgpack.message).toMatch(/^message cannot be written as MessagePack: /)
    }))

  it.effect("a BigInt: InvalidJson; beyond 64 bits, InvalidMsgPack", () =>
    Effect.gen(function*() {
      expect(yield* encodeError(Message.json(Schema.BigIntFromSelf), 1n)).toMatchObject({ reason: "InvalidJson" })
      expect(yield* encodeError(Message.msgpack(Schema.BigIntFromSelf), 2n ** 70n)).toMatchObject({
        reason: "InvalidMsgPack"
      })
    }))

  it.effect("undefined at the top: InvalidJson (JSON.stringify would answer undefined)", () =>
    Effect.gen(function*() {
      const error = yield* encodeError(Message.json(Schema.Undefined), undefined)
      expect(error).toMatchObject({ reason: "InvalidJson" })
      expect(error.message).toBe("message cannot be written as JSON: JSON cannot represent undefined")
    }))

  it.effect("an encoded message over maxFrameLength is FrameTooLargeError, and nothing is written for it", () =>
    Effect.gen(function*() {
      const codec = Message.json(Schema.String, { framer: Framing.lengthPrefixed({ maxFrameLength: 16 }) })
      const big = "x".repeat(32)
      const error = yield* encodeError(codec, big)
      expect(error).toBeInstanceOf(Framing.FrameTooLargeError)
      expect(error).toMatchObject({ length: 34, maxFrameLength: 16 })

      const got = yield* outcome(codec.encode(Stream.make("a", "é", big, "b")))
      // the messages of one pull go out in one buffer
      expect(got.values.map((chunk) => Array.from(chunk))).toEqual([
        [0, 0, 0, 3, 0x22, 0x61, 0x22, 0, 0, 0, 4, 0x22, 0xc3, 0xa9, 0x22]
      ])
      expect(got.error).toBeInstanceOf(Framing.FrameTooLargeError)
    }))

  it.effect("a message that fails its schema mid-stream: the ones before it are written, it is not", () =>
    Effect.gen(function*() {
      const codec = Message.ndjson(Schema.Number)
      const got = yield* outcome(codec.encode(Stream.make(1, 2, "three" as unknown as number, 4)))
      expect(got.values.map((chunk) => new TextDecoder().decode(chunk))).toEqual(["1\n2\n"])
      expect(got.error).toMatchObject({ _tag: "MessageEncodeError", reason: "Schema" })
    }))

  it.effect("encodeMessage and encode give the same bytes", () =>
    Effect.gen(function*() {
      const codec = Message.msgpack(Item)
      const message = { text: "𝄞", n: 1.5, tags: ["a"], note: "é" }
      const one = yield* codec.encodeMessage(message)
      expect(Either.right(one)).toEqual(Either.right(yield* wireOf(codec, [message])))
    }))
})
