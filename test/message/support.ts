/**
 * Schemas and helpers for the Message tests: a schema rich enough to stress
 * the codecs (text full of multi-byte and astral characters, numbers,
 * arrays, optional fields) and a run that keeps values and the error that
 * ended a stream.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Arbitrary from "effect/Arbitrary"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Codec } from "../../src/Message.js"
import { type Outcome, outcome } from "../../src/internal/testing.js"
import { concat } from "../util/bytes.js"

/** Characters of 1 to 4 UTF-8 bytes, JSON's escapes and line endings among them. */
export const tricky = ["a", "\"", "\\", "\n", "\r", "\u0000", "é", "ß", "中", "€", "😀", "𝄞", "\u{10FFFF}", "\uFEFF"]

const text: Arbitrary.LazyArbitrary<string> = (fc) =>
  fc.array(fc.oneof(fc.constantFrom(...tricky), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 12 })
    .map((parts) => parts.join(""))

/** A string whose arbitrary is mostly multi-byte text. */
export const Text = Schema.String.annotations({ arbitrary: () => text })

/** A finite number; never -0, which neither JSON nor MessagePack keeps. */
export const Num = Schema.Number.annotations({
  arbitrary: () => (fc) =>
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => (n === 0 ? 0 : n))
})

const fields = {
  text: Text,
  n: Num,
  tags: Schema.Array(Text),
  note: Schema.optional(Text),
  nested: Schema.optional(Schema.Struct({ ok: Schema.Boolean, items: Schema.Array(Num) }))
}

export const Item = Schema.Struct(fields)
export type Item = typeof Item.Type

/** For MessagePack, bytes as well. */
export const BinaryItem = Schema.Struct({ ...fields, bytes: Schema.Uint8ArrayFromSelf })

/** A hand-written `Schema<A, Uint8Array>`: a tag byte then the payload; an empty frame is refused. */
export const Tagged = Schema.transformOrFail(
  Schema.Uint8ArrayFromSelf,
  Schema.Struct({ tag: Schema.Int.pipe(Schema.between(0, 255)), payload: Schema.Uint8ArrayFromSelf }),
  {
    strict: true,
    decode: (bytes, _, ast) =>
      bytes.length === 0
        ? ParseResult.fail(new ParseResult.Type(ast, bytes, "an empty frame has no tag"))
        : ParseResult.succeed({ tag: bytes[0]!, payload: bytes.slice(1) }),
    encode: ({ payload, tag }) => {
      const bytes = new Uint8Array(payload.length + 1)
      bytes[0] = tag
      bytes.set(payload, 1)
      return ParseResult.succeed(bytes)
    }
  }
)

// what a run produced, values then the error: the testing helpers' own collector
export { type Outcome, outcome }

/** Encode messages with `codec.encode` into one wire, failing the test on an encode error. */
export const wireOf = <A, R>(codec: Codec<A, R>, messages: ReadonlyArray<A>) =>
  codec.encode(Stream.fromIterable(messages)).pipe(
    Stream.runCollect,
    Effect.map((chunks) => concat(Chunk.toReadonlyArray(chunks)))
  )

/** Decode chunks with `codec.decode`. */
export const decodeChunks = <A, R>(codec: Codec<A, R>, chunks: ReadonlyArray<Uint8Array>) =>
  outcome(codec.decode(Stream.fromIterable(chunks)))

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Arrays of arrays, as deep as a test likes. */
export interface Tree extends ReadonlyArray<Tree> {}
export const Tree: Schema.Schema<Tree> = Schema.Array(Schema.suspend(() => Tree))

/** `depth` nested arrays, innermost empty, as MessagePack: `91 91 … 90`. */
export const deepMsgPack = (depth: number) => new Uint8Array(depth).fill(0x91).fill(0x90, depth - 1)
