/**
 * Well-formed UTF-8 that `TextDecoder` still cannot decode (over 2^29
 * characters: Node's string limit, `ERR_STRING_TOO_LONG`) is not the peer's
 * fault and is not reported as invalid UTF-8 at offset -1: the decoder's own
 * error goes on, a defect. Simulated here by a `decode` that throws for a
 * marked input, since the real case needs a chunk of over 512 MiB.
 */
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Bytes from "../../src/Bytes.js"
import * as Utf8 from "../../src/Utf8.js"

const marked = Uint8Array.from(Buffer.from("far too long, pretend"))
const tooLong = new RangeError("Cannot create a string longer than 0x1fffffe8 characters")

const failOnMarked = () => {
  const decode = TextDecoder.prototype.decode
  vi.spyOn(TextDecoder.prototype, "decode").mockImplementation(function(this: InstanceType<typeof TextDecoder>, input, options) {
    if (input instanceof Uint8Array && Buffer.from(input).includes(Buffer.from("pretend"))) throw tooLong
    return decode.call(this, input, options)
  })
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe("a decoder that cannot make the string", () => {
  it.effect("Utf8.decode and Utf8.decodeFrames die with its error", () =>
    Effect.gen(function*() {
      failOnMarked()
      for (const decode of [Utf8.decode, Utf8.decodeFrames]) {
        const defect = yield* Stream.make(marked).pipe(decode, Stream.runDrain, Effect.catchAllDefect(Effect.succeed))
        expect(defect).toBe(tooLong)
      }
    }))

  it("Bytes.utf8Rest throws it", () => {
    failOnMarked()
    const Text = Bytes.struct({ text: Bytes.utf8Rest })
    expect(() => Bytes.decode(Text)(marked)).toThrow(tooLong)
    vi.restoreAllMocks()
    expect(Bytes.decode(Text)(marked)).toStrictEqual(Either.right({ text: "far too long, pretend" }))
  })
})
