/**
 * The MessagePack checker frame by frame: every type byte family, headers cut
 * at each byte, lengths past the frame, nesting, ill-formed UTF-8 inside each
 * str size, `__proto__` keys and extensions, each with the exact problem (the
 * reason and the message a user reads in `MessageDecodeError.cause`). Valid
 * frames are msgpackr's own encoding where it writes the family, hand-built
 * where it does not (float 32, the sized headers with small counts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Packr } from "msgpackr"
import { checkMsgPack, type Problem } from "../../src/internal/framing/msgpackCheck.js"
import { bytes } from "../util/bytes.js"

const invalid = (message: string): Problem => ({ _tag: "InvalidMsgPack", message })
const utf8At = (offset: number): Problem => ({ _tag: "InvalidUtf8", offset })
const hex = (frame: Uint8Array) => Buffer.from(frame).toString("hex")
const zeros = (n: number) => new Array<number>(n).fill(0)
const PROTO = "__proto__"

// the same options as Message.msgpack's encoder
const packr = new Packr({ useRecords: false, skipValues: [undefined] } as ConstructorParameters<typeof Packr>[0])

describe("checkMsgPack accepts every standard family", () => {
  const map16 = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))
  const fixmap15 = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i]))
  // value, the type byte msgpackr writes for it
  const encoded: ReadonlyArray<readonly [string, unknown, number]> = [
    ["positive fixint 0", 0, 0x00],
    ["positive fixint 127", 127, 0x7f],
    ["negative fixint -1", -1, 0xff],
    ["negative fixint -32", -32, 0xe0],
    ["nil", null, 0xc0],
    ["false", false, 0xc2],
    ["true", true, 0xc3],
    ["bin 8", new Uint8Array(3), 0xc4],
    ["bin 16", new Uint8Array(256), 0xc5],
    ["bin 32", new Uint8Array(65536), 0xc6],
    ["float 64", 1.5, 0xcb],
    ["uint 8", 128, 0xcc],
    ["uint 16", 256, 0xcd],
    ["uint 32", 65536, 0xce],
    ["uint 64", 2n ** 64n - 1n, 0xcf],
    ["int 8", -33, 0xd0],
    ["int 16", -129, 0xd1],
    ["int 32", -32769, 0xd2],
    ["int 64", -(2n ** 63n), 0xd3],
    ["timestamp 32 (fixext 4)", new Date(0), 0xd6],
    ["timestamp 64 (fixext 8)", new Date(1700000000123), 0xd7],
    ["timestamp 96 (ext 8)", new Date(-1000), 0xc7],
    ["fixstr 0", "", 0xa0],
    ["fixstr 31", "é".repeat(15) + "a", 0xbf],
    ["str 8", "中".repeat(11), 0xd9],
    ["str 16", "😀".repeat(64), 0xda],
    ["str 32", "a".repeat(65536), 0xdb],
    ["fixarray 0", [], 0x90],
    ["fixarray 15", new Array(15).fill("x"), 0x9f],
    ["array 16", new Array(16).fill(1), 0xdc],
    ["array 32", new Array(65536).fill(1), 0xdd],
    ["fixmap 0", {}, 0x80],
    ["fixmap 15", fixmap15, 0x8f],
    ["map 16", map16, 0xde],
    ["nested", { a: [1, { b: ["c", null] }], d: { e: new Uint8Array(1) } }, 0x82]
  ]
  it.each(encoded)("%s", (_, value, type) => {
    const frame = packr.pack(value)
    expect(frame[0]).toBe(type)
    expect(checkMsgPack(frame)).toBeUndefined()
  })

  const handBuilt: ReadonlyArray<readonly [string, Uint8Array]> = [
    ["float 32", bytes([0xca, 0x3f, 0xc0, 0, 0])],
    ["array 16 of one", bytes([0xdc, 0, 1, 0x01])],
    ["array 32 of one", bytes([0xdd, 0, 0, 0, 1, 0x01])],
    ["map 16 of one", bytes([0xde, 0, 1, 0xa1, 0x61, 0x01])],
    ["map 32 of one", bytes([0xdf, 0, 0, 0, 1, 0xa1, 0x61, 0x01])],
    ["timestamp 32 as ext 8", bytes([0xc7, 4, 0xff], zeros(4))],
    ["timestamp 96 as ext 16", bytes([0xc8, 0, 12, 0xff], zeros(12))],
    ["timestamp 96 as ext 32", bytes([0xc9, 0, 0, 0, 12, 0xff], zeros(12))],
    ["an empty str 8 / bin 8", bytes([0x92, 0xd9, 0, 0xc4, 0])],
    // "__proto__" is refused only as a map key
    ["\"__proto__\" at the top", bytes([0xa9], PROTO)],
    ["\"__proto__\" in an array of two", bytes([0x92, 0xa9], PROTO, [0x01])],
    ["\"__proto__\" as a map value", bytes([0x81, 0xa1, 0x61, 0xa9], PROTO)],
    ["\"__proto__\" in an array that is a map value", bytes([0x81, 0xa1, 0x61, 0x92, 0xa9], PROTO, [0x01])],
    ["the key \"__proto__x\"", bytes([0x81, 0xaa], PROTO + "x", [0x01])],
    ["the key \"__proto_\"", bytes([0x81, 0xa8], "__proto_", [0x01])],
    ["the key \"_a\" (starts like __proto__)", bytes([0x81, 0xa2], "_a", [0x01])],
    ["the key \"__proto_x\" (9 bytes, the last one differs)", bytes([0x81, 0xa9], "__proto_x", [0x01])]
  ]
  it.each(handBuilt)("%s", (_, frame) => {
    expect(checkMsgPack(frame)).toBeUndefined()
  })
})

describe("checkMsgPack refuses with the exact problem", () => {
  // header bytes after the type byte: an independent copy of the MessagePack spec's table
  const headers: ReadonlyArray<readonly [number, number]> = [
    [0xc4, 1], [0xc5, 2], [0xc6, 4], [0xc7, 2], [0xc8, 3], [0xc9, 5], [0xca, 4], [0xcb, 8],
    [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8], [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8],
    [0xd4, 1], [0xd5, 1], [0xd6, 1], [0xd7, 1], [0xd8, 1], [0xd9, 1], [0xda, 2], [0xdb, 4],
    [0xdc, 2], [0xdd, 4], [0xde, 2], [0xdf, 4]
  ]
  const cutHeaders = headers.flatMap(([type, size]) =>
    Array.from({ length: size }, (_, kept) => [hex(bytes([type], zeros(kept))), 1 + kept] as const)
  )
  it.each(cutHeaders)("a header cut short: %s", (frame, end) => {
    expect(checkMsgPack(Buffer.from(frame, "hex"))).toEqual(invalid(`the frame ends at byte ${end} inside a header`))
  })

  const cases: ReadonlyArray<readonly [string, Uint8Array, Problem]> = [
    ["an empty frame", new Uint8Array(0), invalid("the frame ends at byte 0 inside a value")],
    ["an array of two holding one", bytes([0x92, 0x01]), invalid("the frame ends at byte 2 inside a value")],
    ["a map missing its value", bytes([0x81, 0xa1, 0x61]), invalid("the frame ends at byte 3 inside a value")],
    ["a map 16 of one, empty", bytes([0xde, 0, 1]), invalid("the frame ends at byte 3 inside a value")],
    ["0xC1 at the top", bytes([0xc1]), invalid("byte 0xC1 at offset 0 is never used in MessagePack")],
    ["0xC1 nested", bytes([0x91, 0xc1]), invalid("byte 0xC1 at offset 1 is never used in MessagePack")],
    ["0xC1 as a map value", bytes([0x81, 0xa1, 0x61, 0xc1]), invalid("byte 0xC1 at offset 3 is never used in MessagePack")],
    // lengths past the end of the frame
    ["fixstr 3 holding 1", bytes([0xa3, 0x61]), invalid("the frame ends at byte 2 inside a value of 3 bytes")],
    ["bin 8 of 5 holding 2", bytes([0xc4, 5, 1, 2]), invalid("the frame ends at byte 4 inside a value of 5 bytes")],
    ["str 16 of 16 holding 1", bytes([0xda, 0, 16, 0x61]), invalid("the frame ends at byte 4 inside a value of 16 bytes")],
    ["bin 32 of 2^32-1", bytes([0xc6, 0xff, 0xff, 0xff, 0xff]), invalid("the frame ends at byte 5 inside a value of 4294967295 bytes")],
    ["ext 8 timestamp holding 2 of 12", bytes([0xc7, 12, 0xff, 0, 0]), invalid("the frame ends at byte 5 inside a value of 12 bytes")],
    ["fixext 4 timestamp holding 3", bytes([0xd6, 0xff, 0, 0, 0]), invalid("the frame ends at byte 5 inside a value of 4 bytes")],
    ["array 32 claiming 2^32-1 items", bytes([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), invalid("the frame ends at byte 6 inside a value")],
    // bytes after the value
    ["two values", bytes([0x01, 0x02]), invalid("1 bytes after the value")],
    ["an empty array then two bytes", bytes([0x90, 0x00, 0x00]), invalid("2 bytes after the value")],
    // extensions: only the timestamp (-1), only in its three sizes
    ["msgpackr's undefined (fixext 1, type 0)", bytes([0xd4, 0, 0]), invalid("extension type 0 at offset 0 is not standard MessagePack")],
    ["msgpackr's Set (ext 8, type 0x73)", bytes([0xc7, 1, 0x73, 0x90]), invalid("extension type 115 at offset 0 is not standard MessagePack")],
    ["type -2 (ext 16)", bytes([0xc8, 0, 1, 0xfe, 0]), invalid("extension type -2 at offset 0 is not standard MessagePack")],
    ["type -128 (ext 32), nested", bytes([0x91, 0xc9, 0, 0, 0, 1, 0x80, 0]), invalid("extension type -128 at offset 1 is not standard MessagePack")],
    ["type 1 (fixext 16)", bytes([0xd8, 1], zeros(16)), invalid("extension type 1 at offset 0 is not standard MessagePack")],
    ["a timestamp of 1 byte", bytes([0xd4, 0xff, 0]), invalid("a timestamp of 1 bytes at offset 0")],
    ["a timestamp of 2 bytes", bytes([0xd5, 0xff, 0, 0]), invalid("a timestamp of 2 bytes at offset 0")],
    ["a timestamp of 16 bytes", bytes([0xd8, 0xff], zeros(16)), invalid("a timestamp of 16 bytes at offset 0")],
    ["a timestamp of 0 bytes (ext 8)", bytes([0xc7, 0, 0xff]), invalid("a timestamp of 0 bytes at offset 0")],
    ["a timestamp of 5 bytes (ext 16), nested", bytes([0x91, 0xc8, 0, 5, 0xff], zeros(5)), invalid("a timestamp of 5 bytes at offset 1")],
    // ill-formed UTF-8: the offset is within the frame
    ["fixstr, bad first byte", bytes([0xa1, 0xff]), utf8At(1)],
    ["fixstr, bad third byte", bytes([0xa3, 0x61, 0x62, 0xff]), utf8At(3)],
    ["fixstr ending inside a character", bytes([0xa2, 0x61, 0xe2]), utf8At(2)],
    ["fixstr ending inside a character the next str would finish", bytes([0x92, 0xa2, 0x61, 0xe2, 0xa2, 0x82, 0xac]), utf8At(3)],
    ["the second str of an array", bytes([0x92, 0xa2, 0x6f, 0x6b, 0xa2, 0xff, 0xfe]), utf8At(5)],
    ["str 8, an encoded surrogate", bytes([0xd9, 3, 0xed, 0xa0, 0x80]), utf8At(2)],
    ["str 16, a bad byte second", bytes([0xda, 0, 3, 0x61, 0xff, 0x61]), utf8At(4)],
    ["str 32, ending inside a character", bytes([0xdb, 0, 0, 0, 2, 0x61, 0xc3]), utf8At(6)],
    ["a map key", bytes([0x81, 0xa1, 0xc0, 0x01]), utf8At(2)],
    // __proto__ as a map key, in every map size and key size, at any depth
    ["fixmap key", bytes([0x81, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 1 is refused")],
    ["second key", bytes([0x82, 0xa1, 0x61, 0x01, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 4 is refused")],
    ["key after an array value", bytes([0x82, 0xa1, 0x61, 0x91, 0x01, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 5 is refused")],
    ["key inside an array", bytes([0x91, 0x81, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 2 is refused")],
    ["map 16 key", bytes([0xde, 0, 1, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 3 is refused")],
    ["map 32 key", bytes([0xdf, 0, 0, 0, 1, 0xa9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 5 is refused")],
    ["str 8 key", bytes([0x81, 0xd9, 9], PROTO, [0x01]), invalid("the map key \"__proto__\" at offset 1 is refused")]
  ]
  it.each(cases)("%s", (_, frame, problem) => {
    expect(checkMsgPack(frame)).toEqual(problem)
  })

  it("a frame that is a view into a larger buffer is read from its own offset", () => {
    const buffer = bytes([0xc1, 0x92, 0x01, 0xc4, 1, 0xff, 0xc1])
    expect(checkMsgPack(buffer.subarray(1, 6))).toBeUndefined()
    expect(checkMsgPack(buffer.subarray(1, 5))).toEqual(invalid("the frame ends at byte 4 inside a value of 1 bytes"))
  })
})
