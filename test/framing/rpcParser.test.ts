/**
 * The effect-net/rpc parser's edge cases (issue 12: the Stryker survivors of
 * internal/framing/rpcParser.ts): a string handed to `decode` (a WebSocket
 * text message) is framed as its UTF-8 bytes, and when one chunk holds both a
 * message that does not parse and, after it, a framing error, the first error
 * is the one thrown.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Framing from "../../src/Framing.js"
import * as Message from "../../src/Message.js"
import * as NetRpc from "../../src/rpc.js"
import { bytes } from "../util/bytes.js"

/** what `f` threw (a Right if it returned) */
const thrown = (f: () => unknown) => Either.flip(Either.try({ try: f, catch: (error) => error }))

describe("effect-net/rpc parser, edge cases", () => {
  it("a string is decoded as its UTF-8 bytes", () => {
    const parser = NetRpc.make({ format: "json", framer: Framing.lines() }).unsafeMake()
    expect(parser.decode("{\"a\":\"é\"}\n{\"b\"")).toStrictEqual([{ a: "é" }])
    expect(parser.decode(":1}\n")).toStrictEqual([{ b: 1 }])
    const framed = NetRpc.make({ format: "json" }).unsafeMake()
    // the length counts bytes, not characters: "é" is two
    expect(framed.decode("\x00\x00\x00\x0a{\"a\":\"é\"}")).toStrictEqual([{ a: "é" }])
  })

  it("a message that does not parse, then an oversized frame in the same chunk: the parse error is thrown", () => {
    const parser = NetRpc.make({ format: "json", framer: Framing.varint({ maxFrameLength: 16 }) }).unsafeMake()
    const error = Either.getOrThrow(thrown(() => parser.decode(bytes([5], "{nope", [0x80, 0x04]))))
    expect(error).toBeInstanceOf(NetRpc.RpcDecodeError)
    expect(error).toMatchObject({ _tag: "RpcSerializationError", reason: "Decode" })
    expect((error as NetRpc.RpcDecodeError).cause).toBeInstanceOf(Message.MessageDecodeError)
    // thrown once; later input is dropped
    expect(parser.decode(bytes([1], "1"))).toStrictEqual([])
  })
})
