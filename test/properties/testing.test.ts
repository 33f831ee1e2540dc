/**
 * Testing's checks judged on framers whose verdict is known: correct ones
 * whose frames or errors are not plain data must pass, a framer whose
 * encoder refuses everything must not pass vacuously.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as fc from "effect/FastCheck"
import * as Framing from "../../src/Framing.js"
import { equivalent } from "../../src/internal/testing.js"
import * as Testing from "../../src/testing.js"

const run = <A>(check: Testing.Check<A>) => fc.check(Testing.property(check), { numRuns: 300, seed: 1 })

const lengthThenBody = (frame: Uint8Array) => {
  const wire = new Uint8Array(frame.length + 1)
  wire[0] = frame.length
  wire.set(frame, 1)
  return wire
}

/** A correct framer: a 1-byte length then the body; a zero length is an error of the caller's making. */
const oneByteLength = <E>(onZero: () => E) =>
  Framing.make<Uint8Array, E | Framing.TruncatedFrameError>({
    decoder: () => {
      const queue = new Framing.ByteQueue()
      return {
        push(chunk, out) {
          queue.push(chunk)
          while (queue.length >= 1) {
            const n = queue.byteAt(0)
            if (n === 0) return onZero()
            if (queue.length < 1 + n) break
            queue.skip(1)
            out.push(queue.take(n))
          }
          return undefined
        },
        end: () => (queue.length === 0 ? undefined : new Framing.TruncatedFrameError({ received: queue.length }))
      }
    },
    encode: lengthThenBody
  })

const frames = fc.uint8Array({ minLength: 1, maxLength: 255 })

class ZeroLength extends Error {
  readonly _tag = "ZeroLength"
}
class BadHeader extends Data.TaggedError("BadHeader")<{ readonly header: Uint8Array }> {}

describe("Testing's checks pass correct framers", () => {
  it("garbageIsTyped: errors that are Error subclasses with a _tag", () => {
    expect(run(Testing.garbageIsTyped(oneByteLength(() => new ZeroLength("zero-length frame")))).failed).toBe(false)
  })

  it("garbageIsTyped: a Data.TaggedError carrying bytes (compared by content, not reference)", () => {
    const framer = oneByteLength(() => new BadHeader({ header: Uint8Array.of(0) }))
    expect(run(Testing.garbageIsTyped(framer)).failed).toBe(false)
  })

  it("chunkingInvariant: frames that are Data.struct({ body: Uint8Array })", () => {
    const inner = oneByteLength(() => new Framing.TruncatedFrameError({ received: 0 }))
    const framer = Framing.make<{ readonly body: Uint8Array }, Framing.TruncatedFrameError>({
      decoder: () => {
        const decoder = inner.decoder()
        const bodies: Array<Uint8Array> = []
        const wrap = (out: Array<{ readonly body: Uint8Array }>, error: Framing.TruncatedFrameError | undefined) => {
          for (const body of bodies) out.push(Data.struct({ body }))
          bodies.length = 0
          return error
        }
        return { push: (chunk, out) => wrap(out, decoder.push(chunk, bodies)), end: (out) => wrap(out, decoder.end(bodies)) }
      },
      encode: (frame) => lengthThenBody(frame.body)
    })
    expect(run(Testing.chunkingInvariant(framer, frames.map((body) => Data.struct({ body })))).failed).toBe(false)
  })

  it("garbageIsTyped: a custom equals decides when two decodes are the same", () => {
    const framer = oneByteLength(() => new ZeroLength("zero"))
    const check = Testing.garbageIsTyped(framer, { equals: () => false })
    expect(run(check).failed).toBe(true)
  })
})

describe("Testing's checks do not pass vacuously", () => {
  const refuses = Framing.make<Uint8Array, Framing.FramingError>({
    decoder: () => ({ push: () => undefined, end: () => undefined }),
    encode: (frame) => new Framing.FrameTooLargeError({ length: frame.length, maxFrameLength: 0 })
  })

  it("chunkingInvariant and prefixesTruncate fail on a framer whose encoder refuses every frame", () => {
    for (const details of [run(Testing.chunkingInvariant(refuses, frames)), run(Testing.prefixesTruncate(refuses, frames))]) {
      expect(details.failed).toBe(true)
      expect(String(details.errorInstance)).toContain("the encoder refused every frame")
    }
  })
})

describe("Testing's checks catch what they claim to", () => {
  it("chunkingInvariant compares frames that are ArrayBuffers by their bytes: one that loses them fails", () => {
    const zeros = Framing.make<ArrayBuffer, never>({
      decoder: () => {
        const inner = oneByteLength(() => new ZeroLength()).decoder()
        return {
          push(chunk, out) {
            const frames: Array<Uint8Array> = []
            inner.push(chunk, frames)
            for (const frame of frames) out.push(new ArrayBuffer(frame.length)) // the length kept, the bytes lost
            return undefined
          },
          end: () => undefined
        }
      },
      encode: (frame) => lengthThenBody(new Uint8Array(frame))
    })
    const buffers = frames.filter((f) => f.some((byte) => byte !== 0)).map((f) => f.slice().buffer)
    expect(run(Testing.chunkingInvariant(zeros, buffers)).failed).toBe(true)
  })

  it("the default equality compares every kind of buffer by its bytes", () => {
    const shared = (bytes: ReadonlyArray<number>) => {
      const buffer = new SharedArrayBuffer(bytes.length)
      new Uint8Array(buffer).set(bytes)
      return buffer
    }
    expect(equivalent(shared([1, 2]), shared([1, 2]))).toBe(true)
    expect(equivalent(shared([1, 2]), shared([1, 3]))).toBe(false)
    expect(equivalent(Uint8Array.of(1, 2).buffer, Uint8Array.of(1, 3).buffer)).toBe(false)
    expect(equivalent(new DataView(Uint8Array.of(1, 2).buffer), new DataView(Uint8Array.of(1, 2).buffer))).toBe(true)
    expect(equivalent(Int16Array.of(1), Int16Array.of(2))).toBe(false)
    expect(equivalent(/a/g, /a/g)).toBe(true)
    expect(equivalent(/a/g, /a/i)).toBe(false)
  })

  it("a failure shows an error's tag and fields, even when its message is empty", () => {
    class BadLength extends Data.TaggedError("BadLength")<{ readonly at: number }> {}
    // the error's offset is counted from the start of the chunk, not the stream: it depends on the chunking
    const chunkRelative = Framing.make<Uint8Array, BadLength>({
      decoder: () => ({
        push: (chunk) => (chunk.indexOf(0) >= 0 ? new BadLength({ at: chunk.indexOf(0) }) : undefined),
        end: () => undefined
      }),
      encode: (frame) => frame
    })
    const details = run(Testing.garbageIsTyped(chunkRelative))
    expect(details.failed).toBe(true)
    const message = String(details.errorInstance)
    expect(message).toContain("decoded differently")
    expect(message).toMatch(/got: .*"_tag":"BadLength","at":\d+.*\n.*expected: .*"_tag":"BadLength","at":\d+/)
  })

  it("cutAt takes a negative position from the end; the chunks always join back to the bytes", () => {
    const bytes = Uint8Array.of(1, 2, 3)
    expect(Testing.cutAt(bytes, [-1, 1]).map((c) => Array.from(c))).toStrictEqual([[1], [2], [3]])
    expect(() => Testing.cutAt(bytes, [1, Number.NaN])).toThrow("a cut position must be a finite number, got NaN")
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), fc.array(fc.integer({ min: -50, max: 50 })), (b, cuts) => {
      expect(Array.from(Buffer.concat(Testing.cutAt(b, cuts)))).toStrictEqual(Array.from(b))
    }), { numRuns: 200, seed: 1 })
  })
})
