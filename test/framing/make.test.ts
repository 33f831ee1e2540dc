import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as Framing from "../../src/Framing.js"
import * as Testing from "../../src/testing.js"
import { bytes, decode, encodeStream, latin1 } from "../util/bytes.js"

// The worked example of Framing.make's JSDoc, verbatim: netstrings, "5:hello,".
const comma = 0x2c
const netstrings = Framing.make<Uint8Array, Framing.FramingError>({
  decoder: () => {
    const queue = new Framing.ByteQueue()
    const digits = queue.search(":")
    let size = -1 // body length, once the header is read
    let header = 0
    return {
      push(chunk, out) {
        queue.push(chunk)
        for (;;) {
          if (size < 0) {
            const at = digits.next()
            // at most 8 header bytes before ':', whether ':' has arrived yet or not
            if (at < 0 ? queue.length > 8 : at > 8) {
              return new Framing.MalformedFrameError({ reason: "header too long" })
            }
            if (at < 0) return undefined
            const text = new TextDecoder().decode(queue.take(at))
            if (!/^\d{1,7}$/.test(text)) return new Framing.MalformedFrameError({ reason: `bad length ${text}` })
            queue.skip(1)
            size = Number(text)
            header = at + 1
          }
          if (queue.length < size + 1) return undefined
          out.push(queue.take(size))
          if (queue.byteAt(0) !== comma) return new Framing.MalformedFrameError({ reason: "missing ','" })
          queue.skip(1)
          size = -1
        }
      },
      end: () =>
        size >= 0
          ? new Framing.TruncatedFrameError({
            received: header + queue.length,
            expected: header + size + 1,
            headerLength: header
          })
          : queue.length > 0
          ? new Framing.TruncatedFrameError({ received: queue.length })
          : undefined
    }
  },
  encode: (frame: Uint8Array) => {
    const header = new TextEncoder().encode(`${frame.length}:`)
    const wire = new Uint8Array(header.length + frame.length + 1)
    wire.set(header, 0)
    wire.set(frame, header.length)
    wire[wire.length - 1] = comma
    return wire
  }
})

const frames = fc.uint8Array({ maxLength: 40 })

describe("Framing.make: the netstrings example", () => {
  it.effect("decodes and encodes", () =>
    Effect.gen(function*() {
      expect(yield* decode(netstrings, ["5:hel", "lo,0:,", "3", ":abc,"])).toEqual({ frames: ["hello", "", "abc"] })
      expect(yield* encodeStream(netstrings, ["hi", ""])).toMatchObject({ wire: "2:hi,0:," })
    }))

  it.effect("a 9-byte header is 'header too long' however it is cut (garbageIsTyped seed -1525809994)", () =>
    Effect.gen(function*() {
      const bytes = Uint8Array.of(...new Array<number>(9).fill(0x30), 0x3a)
      for (const cuts of [[], "bytewise", [5]] as const) {
        const got = yield* decode(netstrings, Testing.cutAt(bytes, cuts))
        expect(got).toMatchObject({ frames: [], error: { _tag: "MalformedFrameError", reason: "header too long" } })
      }
      const check = Testing.garbageIsTyped(netstrings)
      check.predicate([{ bytes: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 58), cuts: "bytewise" }])
    }))

  const chunking = Testing.chunkingInvariant(netstrings, frames)
  it.prop("Testing.chunkingInvariant", chunking.arbitraries, chunking.predicate)
  const prefixes = Testing.prefixesTruncate(netstrings, frames)
  it.prop("Testing.prefixesTruncate", prefixes.arbitraries, prefixes.predicate)
  const garbage = Testing.garbageIsTyped(netstrings)
  it.prop("Testing.garbageIsTyped", garbage.arbitraries, garbage.predicate)
})

class ParseError extends Data.TaggedError("ParseError")<{ readonly line: string }> {}

/** Lines of decimal numbers, to a framer whose frames are not bytes and whose errors are its own. */
const numbers = Framing.make<number, ParseError | Framing.TruncatedFrameError>({
  decoder: () => {
    const queue = new Framing.ByteQueue()
    const newline = queue.search("\n")
    return {
      push(chunk, out) {
        queue.push(chunk)
        for (let at = newline.next(); at >= 0; at = newline.next()) {
          const line = latin1(queue.take(at))
          queue.skip(1)
          if (!/^-?\d+$/.test(line)) return new ParseError({ line })
          out.push(Number(line))
        }
        return undefined
      },
      end: (out) => {
        if (queue.length === 0) return undefined
        // a last line without its newline is a number all the same, if it is one
        const line = latin1(queue.take(queue.length))
        if (!/^-?\d+$/.test(line)) return new Framing.TruncatedFrameError({ received: line.length })
        out.push(Number(line))
        return undefined
      }
    }
  },
  encode: (n) => Number.isInteger(n) ? bytes(`${n}\n`) : new ParseError({ line: String(n) })
})

const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  stream.pipe(Stream.either, Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

describe("Framing.make: outputs and errors of the user's types", () => {
  it.effect("a decoder error stops the stream after the outputs before it", () =>
    Effect.gen(function*() {
      const got = yield* collect(numbers.decode(Stream.make(bytes("1\n2"), bytes("\nx\n3\n"))))
      expect(got).toEqual([Either.right(1), Either.right(2), Either.left(new ParseError({ line: "x" }))])
    }))

  it.effect("end turns leftovers into a last output, or an error", () =>
    Effect.gen(function*() {
      expect(yield* collect(numbers.decode(Stream.make(bytes("1\n4"), bytes("2"))))).toEqual([
        Either.right(1),
        Either.right(42)
      ])
      expect(yield* collect(numbers.decode(Stream.make(bytes("1\n4x"))))).toEqual([
        Either.right(1),
        Either.left(new Framing.TruncatedFrameError({ received: 2 }))
      ])
    }))

  it.effect("an encode error stops the encode stream after the frames before it; encodeFrame is Left", () =>
    Effect.gen(function*() {
      const got = yield* collect(numbers.encode(Stream.make(7, 1.5, 8)))
      expect(got).toEqual([Either.right(bytes("7\n")), Either.left(new ParseError({ line: "1.5" }))])
      expect(numbers.encodeFrame(1.5)).toEqual(Either.left(new ParseError({ line: "1.5" })))
      expect(numbers.encodeFrame(-3)).toEqual(Either.right(bytes("-3\n")))
    }))

  const chunking = Testing.chunkingInvariant(numbers, fc.integer())
  it.effect("an encode that answers undefined (a forgotten return) dies saying so, in the stream and in encodeFrame", () =>
    Effect.gen(function*() {
      const forgetful = Framing.make<string, undefined>({
        decoder: () => ({ push: () => undefined, end: () => undefined }),
        encode: (text) => (text === "b" ? undefined : bytes(text))
      })
      const defect = yield* Stream.make("a", "b", "c").pipe(forgetful.encode, Stream.runCollect, Effect.catchAllDefect(Effect.succeed))
      expect(defect).toBeInstanceOf(TypeError)
      expect(String(defect)).toContain("Framing.make: encode returned undefined")
      expect(() => forgetful.encodeFrame("b")).toThrow(/encode returned undefined/)
      expect(forgetful.encodeFrame("a")).toStrictEqual(Either.right(bytes("a")))
    }))

  it.prop("Testing.chunkingInvariant over numbers", chunking.arbitraries, chunking.predicate)
})

/**
 * A broken framer: 1-byte length then body, decoded chunk by chunk with no memory, so a frame
 * split across chunks is silently dropped. Every frame that lies inside one chunk comes out right.
 */
const naive = Framing.make({
  decoder: () => ({
    push(chunk, out) {
      for (let at = 0; at < chunk.length && at + 1 + chunk[at]! <= chunk.length; at += 1 + chunk[at]!) {
        out.push(chunk.slice(at + 1, at + 1 + chunk[at]!))
      }
      return undefined
    },
    end: () => undefined
  }),
  encode: (frame: Uint8Array) => Uint8Array.of(frame.length, ...frame)
})

describe("Testing catches a broken framer", () => {
  it("a naive decoder that drops a frame split across chunks fails chunkingInvariant, shrunk to a tiny case", () => {
    const check = Testing.chunkingInvariant(naive, fc.uint8Array({ maxLength: 20 }))
    const details = fc.check(Testing.property(check), { seed: 8, numRuns: 500 })
    expect(details.failed).toBe(true)
    const [{ cuts, frames }] = details.counterexample!
    // the smallest case there is: one frame with one cut inside its wire bytes
    expect(frames).toHaveLength(1)
    expect(frames[0]!.length).toBeLessThanOrEqual(1)
    expect(cuts === "bytewise" || cuts.length === 1).toBe(true)
    expect(String(details.errorInstance)).toContain("did not give them back")
  })

  it("the same decoder passes when every frame arrives in one chunk: only chunking exposes it", () => {
    const oneChunk = Testing.chunkingInvariant(naive, fc.uint8Array({ maxLength: 20 }))
    const property = fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 8 }), (frames) =>
      oneChunk.predicate([{ frames, cuts: [] }]))
    expect(fc.check(property, { seed: 8, numRuns: 200 }).failed).toBe(false)
  })
})
