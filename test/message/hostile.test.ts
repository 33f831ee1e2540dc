/**
 * Frames and values a peer (or a careless caller) can send that the formats
 * must refuse with a typed error: deep nesting, values JSON or MessagePack
 * cannot represent, ill-formed text, MessagePack's never-used byte and
 * private extensions, and `__proto__` keys.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Message from "../../src/Message.js"
import * as Utf8 from "../../src/Utf8.js"
import { concat, int32 } from "../util/bytes.js"
import { decodeChunks, deepMsgPack, Tree, utf8 } from "./support.js"

const framed = (payload: Uint8Array) => concat([int32(payload.length), payload])

const deepJson = (depth: number) => utf8("[".repeat(depth) + "]".repeat(depth))
const nested = (depth: number): Tree => {
  let tree: Tree = []
  for (let i = 0; i < depth; i++) tree = [tree]
  return tree
}

const encodeError = <A>(codec: Message.Codec<A>, message: A) => Effect.flip(codec.encodeMessage(message))
const decodeOne = <A>(codec: Message.Codec<A>, payload: Uint8Array) => decodeChunks(codec, [framed(payload)])
const Any = Schema.Unknown

describe("deep nesting is a typed error, and the messages before it are kept", () => {
  it.effect("json: 50 000 deep -> the valid message, then a typed error", () =>
    Effect.gen(function*() {
      const codec = Message.json(Tree)
      const first = yield* codec.encodeMessage([[]])
      const got = yield* decodeChunks(codec, [concat([first, framed(deepJson(50_000))])])
      expect(got.values).toEqual([[[]]])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError" })
    }))

  it.effect("msgpackr's own unpack of 200 000 levels: InvalidMsgPack, not a defect", () =>
    Effect.gen(function*() {
      const got = yield* decodeOne(Message.msgpack(Any), deepMsgPack(200_000))
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidMsgPack" })
    }))

  it.effect("encoding a value nested too deep for the schema: MessageEncodeError, not a defect", () =>
    Effect.gen(function*() {
      for (const codec of [Message.json(Tree), Message.msgpack(Tree)]) {
        const error = yield* encodeError(codec, nested(50_000))
        expect(error).toMatchObject({ _tag: "MessageEncodeError", reason: "Schema" })
        expect((error as Message.MessageEncodeError).cause).toBeInstanceOf(RangeError)
      }
    }))
})

describe("JSON refuses what it would silently change", () => {
  it.effect("NaN and ±Infinity: InvalidJson (JSON.stringify writes null)", () =>
    Effect.gen(function*() {
      for (const n of [NaN, Infinity, -Infinity]) {
        expect(yield* encodeError(Message.json(Schema.Number), n)).toMatchObject({ reason: "InvalidJson" })
        expect(yield* encodeError(Message.json(Any), { nested: [1, n] })).toMatchObject({ reason: "InvalidJson" })
      }
    }))

  it.effect("undefined inside an array, a function or a symbol: InvalidJson; an undefined property is omitted", () =>
    Effect.gen(function*() {
      const codec = Message.json(Any)
      expect(yield* encodeError(codec, { a: undefined, b: [undefined] })).toMatchObject({ reason: "InvalidJson" })
      expect(yield* encodeError(codec, [() => 1])).toMatchObject({ reason: "InvalidJson" })
      expect(yield* encodeError(codec, { f: Symbol("s") })).toMatchObject({ reason: "InvalidJson" })
      const wire = yield* codec.encodeMessage({ a: undefined, b: [1] })
      expect(new TextDecoder().decode(wire.subarray(4))).toBe("{\"b\":[1]}")
      // Schema.optional relies on it
      const Opt = Schema.Struct({ a: Schema.optional(Schema.Number) })
      expect((yield* decodeChunks(Message.json(Opt), [yield* Message.json(Opt).encodeMessage({})])).values).toEqual([{}])
    }))
})

describe("MessagePack text is well-formed UTF-8 both ways", () => {
  it.effect("a lone surrogate, in a value or a map key: InvalidMsgPack (it would be written as invalid UTF-8)", () =>
    Effect.gen(function*() {
      const codec = Message.msgpack(Any)
      expect(yield* encodeError(codec, "a\ud800b")).toMatchObject({ reason: "InvalidMsgPack" })
      expect(yield* encodeError(codec, { ["k\udc00"]: 1 })).toMatchObject({ reason: "InvalidMsgPack" })
      expect(yield* encodeError(codec, [{ x: ["\ud83d"] }])).toMatchObject({ reason: "InvalidMsgPack" })
    }))

  it.effect("invalid UTF-8 inside a str: InvalidUtf8, the offset within the frame (not U+FFFD)", () =>
    Effect.gen(function*() {
      // ["ok", "\xff\xfe"]
      const frame = Uint8Array.of(0x92, 0xa2, 0x6f, 0x6b, 0xa2, 0xff, 0xfe)
      const got = yield* decodeOne(Message.msgpack(Any), frame)
      expect(got.values).toEqual([])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidUtf8", frame })
      const cause = (got.error as Message.MessageDecodeError).cause
      expect(cause).toBeInstanceOf(Utf8.InvalidUtf8Error)
      expect((cause as Utf8.InvalidUtf8Error).offset).toBe(5)
      // a str8 holding an encoded surrogate (ed a0 80) and a long str with a bad byte at its end
      expect((yield* decodeOne(Message.msgpack(Any), Uint8Array.of(0xd9, 3, 0xed, 0xa0, 0x80))).error)
        .toMatchObject({ reason: "InvalidUtf8" })
      const long = concat([Uint8Array.of(0xda, 0x01, 0x00), utf8("x".repeat(255)), Uint8Array.of(0xc3)])
      expect((yield* decodeOne(Message.msgpack(Any), long)).error).toMatchObject({ reason: "InvalidUtf8" })
      // bin is bytes, not text
      expect((yield* decodeOne(Message.msgpack(Any), Uint8Array.of(0xc4, 2, 0xff, 0xfe))).values).toEqual([
        Uint8Array.of(0xff, 0xfe)
      ])
    }))
})

describe("MessagePack decodes only standard MessagePack", () => {
  it.effect("the never-used byte 0xC1: InvalidMsgPack, at the top or nested", () =>
    Effect.gen(function*() {
      for (const frame of [Uint8Array.of(0xc1), Uint8Array.of(0x91, 0xc1), Uint8Array.of(0x81, 0xa1, 0x61, 0xc1)]) {
        expect((yield* decodeOne(Message.msgpack(Any), frame)).error).toMatchObject({ reason: "InvalidMsgPack" })
      }
    }))

  it.effect("extensions other than the timestamp (-1): InvalidMsgPack (msgpackr's undefined d4 00 00, its Set)", () =>
    Effect.gen(function*() {
      for (const frame of [Uint8Array.of(0xd4, 0x00, 0x00), Uint8Array.of(0xc7, 0x01, 0x73, 0x90)]) {
        expect((yield* decodeOne(Message.msgpack(Any), frame)).error).toMatchObject({ reason: "InvalidMsgPack" })
      }
    }))

  it.effect("a __proto__ map key: InvalidMsgPack (msgpackr would rename it __proto_)", () =>
    Effect.gen(function*() {
      const frame = concat([Uint8Array.of(0x81, 0xa9), utf8("__proto__"), Uint8Array.of(0x81, 0xa1, 0x78, 0x01)])
      const got = yield* decodeOne(Message.msgpack(Any), frame)
      expect(got.error).toMatchObject({ reason: "InvalidMsgPack" })
      // in JSON it is an own property, as JSON.parse makes it; the prototype is untouched
      const json = yield* decodeOne(Message.json(Any), utf8("{\"__proto__\":{\"x\":1}}"))
      const value = json.values[0] as Record<string, unknown>
      expect(Object.keys(value)).toEqual(["__proto__"])
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    }))
})

describe("MessagePack encodes only what decodes back the same", () => {
  it.effect("Map, Set, RegExp, Error, class instances, typed arrays other than Uint8Array, functions: InvalidMsgPack", () =>
    Effect.gen(function*() {
      class Point {
        constructor(readonly x: number) {}
      }
      const refused: ReadonlyArray<unknown> = [
        new Map([[1, "a"]]),
        new Set([1]),
        /a/g,
        new Error("x"),
        new Point(1),
        Float64Array.of(1.5),
        new ArrayBuffer(2),
        () => 1,
        Symbol("s"),
        { nested: [new Map()] },
        { f: () => 1 }
      ]
      for (const value of refused) {
        const error = yield* encodeError(Message.msgpack(Any), value)
        expect(error).toMatchObject({ _tag: "MessageEncodeError", reason: "InvalidMsgPack" })
      }
    }))

  it.effect("undefined: refused at the top and in arrays, omitted as an object property (as in JSON)", () =>
    Effect.gen(function*() {
      const codec = Message.msgpack(Any)
      expect(yield* encodeError(codec, undefined)).toMatchObject({ reason: "InvalidMsgPack" })
      expect(yield* encodeError(codec, [undefined, 1])).toMatchObject({ reason: "InvalidMsgPack" })
      const wire = yield* codec.encodeMessage({ a: undefined, b: 1 })
      expect(Array.from(wire.subarray(4))).toEqual([0x81, 0xa1, 0x62, 0x01])
      const Opt = Schema.Struct({ a: Schema.optional(Schema.Number), b: Schema.Number })
      const back = yield* decodeChunks(Message.msgpack(Opt), [yield* Message.msgpack(Opt).encodeMessage({ b: 1 })])
      expect(back.values).toEqual([{ b: 1 }])
    }))

  it.effect("Uint8Array (and Buffer), Date (the timestamp extension) round-trip; -0 becomes 0, as in JSON", () =>
    Effect.gen(function*() {
      const codec = Message.msgpack(Any)
      const date = new Date(1700000000123)
      const value = { bytes: Uint8Array.of(1, 2), buffer: Buffer.from([3]), date, zero: -0 }
      const got = yield* decodeChunks(codec, [yield* codec.encodeMessage(value)])
      const back = got.values[0] as Record<string, unknown>
      expect(back.bytes).toEqual(Uint8Array.of(1, 2))
      expect(Array.from(back.buffer as Uint8Array)).toEqual([3])
      expect(back.date).toEqual(date)
      expect(Object.is(back.zero, 0)).toBe(true)
      const json = yield* decodeChunks(Message.json(Any), [yield* Message.json(Any).encodeMessage(-0)])
      expect(Object.is(json.values[0], 0)).toBe(true)
    }))
})
