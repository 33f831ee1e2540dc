import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Framing from "../../src/Framing.js"
import * as Utf8 from "../../src/Utf8.js"
import { decode } from "../util/bytes.js"

// Messages say what happened in the user's terms: body bytes as well as wire bytes.
describe("framing error messages", () => {
  it.effect("a partial body: body bytes received and expected, then wire bytes", () =>
    Effect.gen(function*() {
      const got = yield* decode(Framing.lengthPrefixed({ lengthFieldLength: 2 }), ["\x00\x0cHEL"])
      const error = got.error as Framing.TruncatedFrameError
      expect(error).toEqual(new Framing.TruncatedFrameError({ received: 5, expected: 14, headerLength: 2 }))
      expect(error.bodyReceived).toBe(3)
      expect(error.bodyExpected).toBe(12)
      expect(error.message).toBe(
        "stream ended inside a frame: 3 of 12 body bytes received (5 of 14 bytes on the wire, with a 2-byte header)"
      )
    }))

  it("without a header, or without an expected size", () => {
    expect(new Framing.TruncatedFrameError({ received: 4 }).message).toBe("stream ended inside a frame: 4 bytes left over")
    expect(new Framing.TruncatedFrameError({ received: 1 }).message).toBe("stream ended inside a frame: 1 byte left over")
    expect(new Framing.TruncatedFrameError({ received: 4 }).bodyReceived).toBeUndefined()
    expect(new Framing.TruncatedFrameError({ received: 2, expected: 3 }).message).toBe(
      "stream ended inside a frame: 2 of 3 bytes received"
    )
  })

  it("too large and malformed", () => {
    expect(new Framing.FrameTooLargeError({ length: 9, maxFrameLength: 8 }).message).toBe(
      "frame of 9 bytes exceeds maxFrameLength (8)"
    )
    expect(new Framing.MalformedFrameError({ reason: "bad" }).message).toBe("malformed frame: bad")
  })

  it("UTF-8: invalid and incomplete", () => {
    expect(new Utf8.InvalidUtf8Error({ offset: 3 }).message).toBe("invalid UTF-8 at byte offset 3")
    expect(new Utf8.InvalidUtf8Error({ offset: 3, incomplete: true }).message).toBe(
      "incomplete UTF-8 sequence at offset 3"
    )
  })
})
