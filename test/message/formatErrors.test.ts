/**
 * What a user reads when a format refuses a value or a frame: the whole
 * `message` of each `MessageEncodeError` / `MessageDecodeError` JSON and
 * MessagePack can raise, and how errors thrown by a schema come out (a stack
 * overflow is the input's fault and a typed error; anything else a defect), on
 * the synchronous path and on the Effect path of a schema with a context. And
 * the shape of the output: one chunk per pull, never an empty one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { runInNewContext } from "node:vm"
import * as Message from "../../src/Message.js"
import * as Utf8 from "../../src/Utf8.js"
import { bytes, concat, cutAt, int32 } from "../util/bytes.js"
import { decodeChunks, utf8, wireOf } from "./support.js"

const Any = Schema.Unknown
const framed = (payload: Uint8Array) => concat([int32(payload.length), payload])
const encodeError = <A, R>(codec: Message.Codec<A, R>, message: A) => Effect.flip(codec.encodeMessage(message))

describe("JSON: what encoding refuses, in the user's words", () => {
  const refused: ReadonlyArray<readonly [string, unknown, string]> = [
    // JSON.stringify writes these as {} or an object of indices: the peer would read another value
    ["a Map after a fine item", [1, new Map([["a", 1]])], "JSON cannot represent a Map"],
    ["a Set after a fine property", { a: 1, b: new Set([1]) }, "JSON cannot represent a Set"],
    ["a RegExp", /a+/, "JSON cannot represent a RegExp"],
    ["an Error (its message is not enumerable)", { e: new RangeError("boom") }, "JSON cannot represent a RangeError"],
    ["a Promise", [Promise.resolve(1)], "JSON cannot represent a Promise"],
    ["a WeakMap", { w: new WeakMap() }, "JSON cannot represent a WeakMap"],
    ["a Uint8Array", { b: Uint8Array.of(1, 2) }, "JSON cannot represent a Uint8Array"],
    ["a DataView", new DataView(new ArrayBuffer(2)), "JSON cannot represent a DataView"],
    ["an ArrayBuffer", { a: new ArrayBuffer(2) }, "JSON cannot represent an ArrayBuffer"],
    ["a Map from another realm", { m: runInNewContext("new Map([[1, 2]])") }, "JSON cannot represent a Map"],
    ["a toJSON that answers a Map", { t: { toJSON: () => new Map([[1, 2]]) } }, "JSON cannot represent a Map"],
    ["NaN", NaN, "JSON cannot represent the number NaN"],
    ["Infinity, nested", { n: [1, Infinity] }, "JSON cannot represent the number Infinity"],
    ["-Infinity", -Infinity, "JSON cannot represent the number -Infinity"],
    ["a function in an array", [() => 1], "JSON cannot represent a function"],
    ["a function property", { f: () => 1 }, "JSON cannot represent a function"],
    ["a symbol property", { s: Symbol("s") }, "JSON cannot represent a symbol"],
    ["a symbol in an array", [Symbol("s")], "JSON cannot represent a symbol"],
    ["undefined in an array", { a: undefined, b: [1, undefined] }, "JSON cannot represent undefined in an array"]
  ]
  it.effect.each(refused)("%s", ([, value, why]) =>
    Effect.gen(function*() {
      const error = yield* encodeError(Message.json(Any), value)
      expect(error).toMatchObject({ _tag: "MessageEncodeError", reason: "InvalidJson" })
      expect((error as Message.MessageEncodeError).cause).toBeInstanceOf(TypeError)
      expect(error.message).toBe(`message cannot be written as JSON: ${why}`)
    }))

  it.effect("what says how it is written (toJSON), and objects with their own properties, are written as JSON.stringify does", () =>
    Effect.gen(function*() {
      class Point {
        constructor(readonly x: number) {}
      }
      const value = {
        at: new Date(0),
        point: new Point(1),
        data: Data.struct({ a: 1 }),
        otherRealm: runInNewContext("({ a: [1, { b: 2 }] })"),
        bare: Object.assign(Object.create(null), { x: 1 }),
        some: Option.some(1)
      }
      const wire = yield* Message.json(Any).encodeMessage(value)
      expect(new TextDecoder().decode(wire.subarray(4))).toBe(JSON.stringify(value))
    }))

  it.effect("a Date goes as its ISO string: Schema.Date comes back a Date, Schema.DateFromSelf is refused by the reader", () =>
    Effect.gen(function*() {
      const dates = Message.json(Schema.Struct({ at: Schema.Date }))
      const wire = yield* dates.encodeMessage({ at: new Date(0) })
      expect(Chunk.toReadonlyArray(yield* Stream.make(wire).pipe(dates.decode, Stream.runCollect))).toStrictEqual([{ at: new Date(0) }])
      const selves = Message.json(Schema.Struct({ at: Schema.DateFromSelf }))
      const sent = yield* selves.encodeMessage({ at: new Date(0) })
      const error = yield* Effect.flip(Stream.make(sent).pipe(selves.decode, Stream.runDrain))
      expect(error).toMatchObject({ _tag: "MessageDecodeError", reason: "Schema" })
    }))

  it.effect("finite numbers, strings, booleans, null and nested values are written as JSON.stringify writes them", () =>
    Effect.gen(function*() {
      const value = { n: [0, -1.5, 1e300], s: "é\"", t: true, z: null, o: { a: [] } }
      const wire = yield* Message.json(Any).encodeMessage(value)
      expect(new TextDecoder().decode(wire.subarray(4))).toBe(JSON.stringify(value))
    }))
})

describe("MessagePack: what encoding refuses, in the user's words", () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cycle: Array<unknown> = [1]
  cycle.push([cycle])
  const refused: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a lone surrogate", "a\ud800b", "a string with a lone surrogate"],
    ["a key with a lone surrogate", { ok: 1, ["k\udc00"]: 1 }, "a key with a lone surrogate"],
    ["a cycle through an array", cycle, "a cycle"],
    ["undefined at the top", undefined, "undefined outside an object property"],
    ["undefined in an array, after a fine item", [1, undefined], "undefined outside an object property"],
    ["a function", () => 1, "a function"],
    ["a symbol property", { s: Symbol("s") }, "a symbol"],
    ["a Map after a fine item", [1, new Map()], "a Map"],
    ["a Set after a fine property", { a: 1, b: new Set([1]) }, "a Set"],
    ["a RegExp", /a/g, "a RegExp"],
    ["a class instance", new Point(1), "a Point"],
    ["a typed array other than Uint8Array", Float64Array.of(1), "a Float64Array"],
    ["an object whose prototype has no constructor", Object.create(Object.create(null)), "a class instance"],
    ["an own \"__proto__\" key", JSON.parse("{\"a\":1,\"__proto__\":{}}"), "a \"__proto__\" key"],
    // msgpackr writes it as a private extension that its own timestamp reader refuses
    ["an invalid Date", { at: new Date(NaN) }, "an invalid Date"],
    // msgpackr would write it as its ISO string (it is no `instanceof Date` here)
    ["a Date from another realm", { at: runInNewContext("new Date(0)") }, "a Date"]
  ]
  it.effect.each(refused)("%s", ([, value, why]) =>
    Effect.gen(function*() {
      const error = yield* encodeError(Message.msgpack(Any), value)
      expect(error).toMatchObject({ _tag: "MessageEncodeError", reason: "InvalidMsgPack" })
      expect((error as Message.MessageEncodeError).cause).toBeInstanceOf(TypeError)
      expect(error.message).toBe(`message cannot be written as MessagePack: MessagePack cannot represent ${why}`)
    }))

  it.effect("an object cycle is named, not a stack overflow", () =>
    Effect.gen(function*() {
      const self: Record<string, unknown> = { a: 1 }
      self.b = { c: self }
      const error = yield* encodeError(Message.msgpack(Any), self)
      expect(error.message).toBe("message cannot be written as MessagePack: MessagePack cannot represent a cycle")
    }))

  const accepted: ReadonlyArray<readonly [string, unknown, ReadonlyArray<number>]> = [
    ["null", null, [0xc0]],
    ["a small BigInt (int 64)", 1n, [0xd3, 0, 0, 0, 0, 0, 0, 0, 1]],
    ["a null-prototype object", Object.assign(Object.create(null), { x: 1 }), [0x81, 0xa1, 0x78, 0x01]],
    ["a plain object from another realm", runInNewContext("({ x: 1 })"), [0x81, 0xa1, 0x78, 0x01]],
    ["the same object twice (shared, not a cycle)", ((o) => [o, o])({ a: 1 }), [0x92, 0x81, 0xa1, 0x61, 0x01, 0x81, 0xa1, 0x61, 0x01]],
    ["a Uint8Array", Uint8Array.of(7), [0xc4, 1, 7]],
    ["a Date", new Date(0), [0xd6, 0xff, 0, 0, 0, 0]],
    ["an undefined property", { a: undefined, b: "x" }, [0x81, 0xa1, 0x62, 0xa1, 0x78]]
  ]
  it.effect.each(accepted)("%s is written", ([, value, wire]) =>
    Effect.gen(function*() {
      const written = yield* Message.msgpack(Any).encodeMessage(value)
      expect(Array.from(written.subarray(4))).toEqual(wire)
    }))

  it("an enumerable property on Object.prototype (a polluted global) is not the message's", () => {
    Object.defineProperty(Object.prototype, "polluted", { value: () => 1, enumerable: true, configurable: true, writable: true })
    try {
      const written = Message.msgpack(Any).encodeMessage({ a: 1 }) as unknown as Either.Either<Uint8Array, unknown>
      expect(Either.map(written, (wire) => Array.from(wire.subarray(4)))).toEqual(Either.right([0x81, 0xa1, 0x61, 0x01]))
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })
})

describe("MessagePack: what decoding refuses, in the user's words", () => {
  it.effect("ill-formed UTF-8 in a str: InvalidUtf8 with the offset in the frame", () =>
    Effect.gen(function*() {
      const frame = bytes([0x92, 0xa1, 0x61, 0xa3, 0x62, 0x63, 0xff])
      const got = yield* decodeChunks(Message.msgpack(Any), [framed(frame)])
      expect(got.values).toEqual([])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidUtf8", frame })
      const cause = (got.error as Message.MessageDecodeError).cause
      expect(cause).toBeInstanceOf(Utf8.InvalidUtf8Error)
      expect(cause).toMatchObject({ offset: 6 })
      expect(got.error?.message).toBe("message frame of 7 bytes is not valid UTF-8: invalid UTF-8 at byte offset 6")
    }))

  const refused: ReadonlyArray<readonly [string, Uint8Array, string]> = [
    ["0xC1", bytes([0x91, 0xc1]), "byte 0xC1 at offset 1 is never used in MessagePack"],
    ["a cut header", bytes([0xcd, 0x01]), "the frame ends at byte 2 inside a header"],
    ["a length past the frame", bytes([0xc4, 3, 1]), "the frame ends at byte 3 inside a value of 3 bytes"],
    ["a missing item", bytes([0x92, 0x01]), "the frame ends at byte 2 inside a value"],
    ["a foreign extension", bytes([0xd4, 0x01, 0x00]), "extension type 1 at offset 0 is not standard MessagePack"],
    ["a timestamp of a wrong size", bytes([0xd4, 0xff, 0x00]), "a timestamp of 1 bytes at offset 0"],
    ["a __proto__ key", bytes([0x81, 0xa9], "__proto__", [0x01]), "the map key \"__proto__\" at offset 1 is refused"],
    ["bytes after the value", bytes([0x01, 0x02, 0x03]), "2 bytes after the value"]
  ]
  it.effect.each(refused)("%s: InvalidMsgPack", ([, frame, why]) =>
    Effect.gen(function*() {
      const got = yield* decodeChunks(Message.msgpack(Any), [framed(frame)])
      expect(got.values).toEqual([])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidMsgPack", frame })
      expect(got.error?.message).toBe(`message frame of ${frame.length} bytes is not valid MessagePack: ${why}`)
    }))
})

// A schema that throws `error` while parsing "boom": synchronously, or inside the Effect of a schema with a context.
class Ctx extends Context.Tag("Ctx")<Ctx, string>() {}
const bomb = (s: string, error: Error) => {
  if (s === "boom") throw error
  return s
}
const syncThrowing = (error: Error) =>
  Schema.transform(Schema.String, Schema.String, {
    strict: true,
    decode: (s) => bomb(s, error),
    encode: (s) => bomb(s, error)
  })
const effectThrowing = (error: Error) =>
  Schema.transformOrFail(Schema.String, Schema.String, {
    strict: true,
    decode: (s, _, ast) =>
      Effect.flatMap(Ctx, () => s === "refused" ? ParseResult.fail(new ParseResult.Type(ast, s)) : Effect.succeed(bomb(s, error))),
    encode: (s) => Effect.map(Ctx, () => bomb(s, error))
  })

describe("errors thrown by a schema", () => {
  const wire = concat([framed(utf8("\"ok\"")), framed(utf8("\"boom\"")), framed(utf8("\"after\""))])
  const paths = [["synchronous", syncThrowing], ["with a context", effectThrowing]] as const

  it.effect.each(paths)("%s: a RangeError (a stack overflow) is a typed error, after the messages before it", ([, schema]) =>
    Effect.gen(function*() {
      const overflow = new RangeError("Maximum call stack size exceeded")
      const codec = Message.json(schema(overflow))
      const got = yield* decodeChunks(codec, [wire])
      expect(got.values).toEqual(["ok"])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "Schema", frame: utf8("\"boom\"") })
      expect((got.error as Message.MessageDecodeError).cause).toBe(overflow)
      const error = yield* encodeError(codec, "boom")
      expect(error).toMatchObject({ _tag: "MessageEncodeError", reason: "Schema" })
      expect((error as Message.MessageEncodeError).cause).toBe(overflow)
      expect(error.message).toBe("message rejected by the schema: Maximum call stack size exceeded")
    }).pipe(Effect.provideService(Ctx, "")))

  it.effect.each(paths)("%s: any other exception is a defect (a bug in the schema), not a typed error", ([, schema]) =>
    Effect.gen(function*() {
      const bug = new Error("a bug in the schema")
      const codec = Message.json(schema(bug))
      const decoded = yield* Effect.exit(Stream.runCollect(codec.decode(Stream.make(wire))))
      expect(decoded).toEqual(Exit.die(bug))
      // calling encodeMessage does not throw: the Effect it returns dies
      const encoding = codec.encodeMessage("boom")
      const encoded = yield* Effect.exit(encoding)
      expect(Exit.isFailure(encoded) && Cause.isDie(encoded.cause) && Cause.squash(encoded.cause)).toBe(bug)
    }).pipe(Effect.provideService(Ctx, "")))

  it.effect("with a context: a value the schema's Effect refuses is MessageDecodeError Schema with a ParseError", () =>
    Effect.gen(function*() {
      const codec = Message.json(effectThrowing(new Error("unused")))
      const got = yield* decodeChunks(codec, [framed(utf8("\"a\"")), framed(utf8("\"refused\""))])
      expect(got.values).toEqual(["a"])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "Schema", frame: utf8("\"refused\"") })
      expect(ParseResult.isParseError((got.error as Message.MessageDecodeError).cause)).toBe(true)
    }).pipe(Effect.provideService(Ctx, "")))
})

describe("the decoded stream's chunks", () => {
  const chunksOf = <A, R>(codec: Message.Codec<A, R>, input: ReadonlyArray<Uint8Array>) =>
    // one input chunk per pull
    codec.decode(Stream.rechunk(Stream.fromIterable(input), 1)).pipe(
      Stream.chunks,
      Stream.map((chunk) => Chunk.toReadonlyArray(chunk)),
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray)
    )

  it.effect("a synchronous schema: the messages of one input chunk come out as one chunk", () =>
    Effect.gen(function*() {
      const codec = Message.json(Schema.Number)
      expect(yield* chunksOf(codec, [yield* wireOf(codec, [1, 2, 3])])).toEqual([[1, 2, 3]])
    }))

  it.effect("no empty chunk, whether a pull completes no frame or its first message runs an Effect", () =>
    Effect.gen(function*() {
      const codec = Message.json(Schema.Number)
      const wire = yield* wireOf(codec, [1, 2])
      expect(yield* chunksOf(codec, cutAt(wire, "bytewise"))).toEqual([[1], [2]])
      const effectful = Message.json(effectThrowing(new Error("unused")))
      const strings = yield* wireOf(effectful, ["a", "b"])
      expect(yield* chunksOf(effectful, [strings])).toEqual([["a"], ["b"]])
    }).pipe(Effect.provideService(Ctx, "")))
})
