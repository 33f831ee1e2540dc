import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Framing from "../../src/Framing.js"
import * as Message from "../../src/Message.js"
import { cutAt, cutPoints } from "../util/bytes.js"
import { BinaryItem, decodeChunks, Item, Tagged, utf8, wireOf } from "./support.js"

const items = fc.array(Arbitrary.make(Item), { maxLength: 6 })

// Each codec: its messages, encoded, cut anywhere (1-byte chunks included), decode to the same messages.
const roundTrip = <A>(name: string, codec: Message.Codec<A>, messages: fc.Arbitrary<Array<A>>) =>
  it.effect.prop(`${name}: messages do not depend on where TCP cut the bytes`, [messages, cutPoints], ([sent, cut]) =>
    Effect.gen(function*() {
      const wire = yield* wireOf(codec, sent)
      const got = yield* decodeChunks(codec, cutAt(wire, cut))
      expect(got.error).toBeUndefined()
      expect(got.values).toEqual(sent)
    }), { fastCheck: { numRuns: 150 } })

describe("Message round trips under random chunking", () => {
  roundTrip("json", Message.json(Item), items)
  roundTrip("json over varint", Message.json(Item, { framer: Framing.varint() }), items)
  roundTrip("ndjson", Message.ndjson(Item), items)
  roundTrip("msgpack", Message.msgpack(BinaryItem), fc.array(Arbitrary.make(BinaryItem), { maxLength: 6 }))
  roundTrip("binary", Message.binary(Tagged), fc.array(Arbitrary.make(Tagged), { maxLength: 6 }))

  it.effect("ndjson reads \\r\\n line endings and, when asked, skips empty lines", () =>
    Effect.gen(function*() {
      const wire = utf8("\n{\"text\":\"é\",\"n\":1,\"tags\":[]}\r\n\r\n{\"text\":\"😀\",\"n\":2,\"tags\":[\"中\"]}\n")
      const skipping = yield* decodeChunks(Message.ndjson(Item, { ignoreEmptyLines: true }), [wire])
      expect(skipping).toEqual({ values: [{ text: "é", n: 1, tags: [] }, { text: "😀", n: 2, tags: ["中"] }] })
      const strict = yield* decodeChunks(Message.ndjson(Item), [wire])
      expect(strict.values).toEqual([])
      expect(strict.error).toMatchObject({ _tag: "MessageDecodeError", reason: "InvalidJson" })
    }))

  it.effect("json frames are UTF-8 JSON behind a 4-byte big-endian length by default", () =>
    Effect.gen(function*() {
      const wire = yield* Message.json(Item).encodeMessage({ text: "é", n: 1, tags: [] })
      const body = "{\"text\":\"é\",\"n\":1,\"tags\":[]}"
      expect(Array.from(wire.subarray(0, 4))).toEqual([0, 0, 0, utf8(body).length])
      expect(new TextDecoder().decode(wire.subarray(4))).toBe(body)
    }))

  it.effect("msgpack frames are standard MessagePack, readable without msgpackr's record extension", () =>
    Effect.gen(function*() {
      const wire = yield* Message.msgpack(Schema.Struct({ a: Schema.Number })).encodeMessage({ a: 1 })
      // a map (fixmap 0x81 or map16 0xde) with key "a" (0xa1 0x61) and value 1; never a record (0xd4 ext / 0x40..0x7f)
      const body = Array.from(wire.subarray(4))
      expect([0x81, 0xde]).toContain(body[0])
      expect(body.slice(-3)).toEqual([0xa1, 0x61, 0x01])
    }))

  // A schema that needs a service takes the Effect path; the result is the same.
  class Prefix extends Context.Tag("Prefix")<Prefix, string>() {}
  const Prefixed = Schema.transformOrFail(Schema.String, Schema.String, {
    strict: true,
    decode: (s) => Effect.map(Prefix, (p) => s.startsWith(p) ? s.slice(p.length) : s),
    encode: (s) => Effect.map(Prefix, (p) => p + s)
  })

  it.effect.prop("a schema with a context decodes and encodes through Effect, in order", [fc.array(fc.string(), { maxLength: 5 }), cutPoints], ([sent, cut]) =>
    Effect.gen(function*() {
      const codec = Message.json(Schema.Struct({ s: Prefixed }))
      const messages = sent.map((s) => ({ s }))
      const wire = yield* wireOf(codec, messages)
      const got = yield* decodeChunks(codec, cutAt(wire, cut))
      expect(got).toEqual({ values: messages })
    }).pipe(Effect.provideService(Prefix, ">")), { fastCheck: { numRuns: 50 } })
})
