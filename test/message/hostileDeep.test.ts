/**
 * The one deep-nesting case that must run uninstrumented: under StrykerJS the
 * instrumented code's deeper frames overflow the stack before Schema's parser
 * does, so `stryker.vitest.config.ts` leaves this file out (the rest of the
 * hostile frames are in `hostile.test.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Message from "../../src/Message.js"
import { concat, int32 } from "../util/bytes.js"
import { decodeChunks, deepMsgPack, Tree } from "./support.js"

const framed = (payload: Uint8Array) => concat([int32(payload.length), payload])

describe("deep nesting is a typed error, and the messages before it are kept", () => {
  it.effect("msgpack: [[]] then a frame nested 4000 deep -> [[]], then MessageDecodeError Schema (RangeError)", () =>
    Effect.gen(function*() {
      const codec = Message.msgpack(Tree)
      const first = yield* codec.encodeMessage([[]])
      const got = yield* decodeChunks(codec, [concat([first, framed(deepMsgPack(4000))])])
      expect(got.values).toEqual([[[]]])
      expect(got.error).toMatchObject({ _tag: "MessageDecodeError", reason: "Schema" })
      expect((got.error as Message.MessageDecodeError).cause).toBeInstanceOf(RangeError)
    }))
})
