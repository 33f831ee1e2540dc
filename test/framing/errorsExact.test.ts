/**
 * Error fields checked exactly (issue 12: Stryker survivors of Framing.ts and
 * Utf8.ts): `bodyExpected` for every combination of known sizes, and the tag
 * a user matches on (`toStrictEqual` against a `new` error compares a mutated
 * tag with itself, so the tag is checked as a string).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Framing from "../../src/Framing.js"
import * as Utf8 from "../../src/Utf8.js"

describe("error fields, exactly", () => {
  it.each([
    [{ received: 4 }, undefined, undefined],
    [{ received: 4, expected: 9 }, undefined, undefined],
    [{ received: 4, headerLength: 2 }, 2, undefined],
    [{ received: 4, expected: 9, headerLength: 2 }, 2, 7]
  ])("TruncatedFrameError(%j): bodyReceived %j, bodyExpected %j", (fields, bodyReceived, bodyExpected) => {
    const error = new Framing.TruncatedFrameError(fields)
    expect(error.bodyReceived).toBe(bodyReceived)
    expect(error.bodyExpected).toBe(bodyExpected)
  })

  it("the tags a user matches on", () => {
    expect(new Utf8.InvalidUtf8Error({ offset: 0 })._tag).toBe("InvalidUtf8Error")
    expect(new Framing.TruncatedFrameError({ received: 0 })._tag).toBe("TruncatedFrameError")
    expect(new Framing.FrameTooLargeError({ length: 2, maxFrameLength: 1 })._tag).toBe("FrameTooLargeError")
    expect(new Framing.MalformedFrameError({ reason: "x" })._tag).toBe("MalformedFrameError")
    expect(new Framing.FrameTimeoutError({ timeoutMillis: 1, received: 1 })._tag).toBe("FrameTimeoutError")
  })
})
