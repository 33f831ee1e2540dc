/**
 * Random and mutated inputs, randomly cut, through every framer, the UTF-8
 * decoders and `Bytes.decode`: each must give frames or a typed error —
 * never a defect (a thrown RangeError, an untyped failure) and never a hang
 * (a pure pipeline that cannot finish synchronously is one: `runSyncExit`
 * turns it into a defect). `Message` codecs are left out: `src/Message.ts`
 * does not exist yet.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { Bytes, Framing, Utf8 } from "../../src/index.js"
import { prng, randomBytes, summary, tagOf } from "./support.js"

const framingTags = new Set(["TruncatedFrameError", "FrameTooLargeError", "MalformedFrameError"])
const utf8Tags = new Set(["InvalidUtf8Error"])
const bytesTags = new Set(["BytesError"])

/**
 * Runs many decodes in one synchronous Effect run (one fiber per batch). A batch that cannot finish synchronously —
 * a hang — throws out of `runSync`; every input of it counts as a defect.
 */
const runBatch = <A, E>(
  tally: Tally,
  runs: ReadonlyArray<Effect.Effect<A, E>>,
  allowed: Set<string>,
  label: string
) => {
  let exits: ReadonlyArray<Exit.Exit<A, E>>
  try {
    exits = Effect.runSync(Effect.forEach(runs, Effect.exit))
  } catch (error) {
    tally.inputs += runs.length
    if (tally.defects.length < 5) tally.defects.push(`${label}: batch did not complete: ${String(error)}`)
    return
  }
  for (const exit of exits) classify(tally, exit, allowed, label)
}
const batchSize = 500

/** Lets the event loop run between batches: vitest's worker RPC times out if it is blocked for a minute. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

const framers: ReadonlyArray<readonly [string, Framing.Framer]> = [
  ["lengthPrefixed()", Framing.lengthPrefixed()],
  ["lengthPrefixed(1 byte, max 100)", Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 100 })],
  ["lengthPrefixed(2 LE, adj -2)", Framing.lengthPrefixed({ lengthFieldLength: 2, byteOrder: "little", lengthAdjustment: -2 })],
  ["lengthPrefixed(off 2, 3 bytes, strip 0)", Framing.lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 3, initialBytesToStrip: 0 })],
  ["lengthPrefixed(8 bytes)", Framing.lengthPrefixed({ lengthFieldLength: 8 })],
  ["lengthPrefixed(max 16, skip)", Framing.lengthPrefixed({ maxFrameLength: 16, onOversize: "skip" })],
  ["varint()", Framing.varint()],
  ["varint(max 20, skip)", Framing.varint({ maxFrameLength: 20, onOversize: "skip" })],
  ["delimited(\\r\\n)", Framing.delimited({ delimiter: "\r\n" })],
  ["delimited(00, trailing, max 24)", Framing.delimited({ delimiter: new Uint8Array([0]), emitTrailing: true, maxFrameLength: 24 })],
  ["delimited(abcab, skip max 8)", Framing.delimited({ delimiter: "abcab", onOversize: "skip", maxFrameLength: 8 })],
  ["lines()", Framing.lines()],
  ["lines(max 12, skip, trailing)", Framing.lines({ maxFrameLength: 12, onOversize: "skip", emitTrailing: true })],
  ["fixedLength(1)", Framing.fixedLength(1)],
  ["fixedLength(7)", Framing.fixedLength(7)]
]

const Header = Bytes.struct({
  magic: Bytes.literal([0xca, 0xfe]),
  kind: Bytes.u8,
  id: Bytes.u32be,
  delta: Bytes.i16le,
  big: Bytes.i64be,
  ratio: Bytes.f32le,
  name: Bytes.utf8(3)
})
const Packet = Bytes.struct({ header: Header, size: Bytes.u16be, blob: Bytes.bytes(2), text: Bytes.utf8Rest })
const decoders = [Bytes.decode(Header), Bytes.decode(Packet), Bytes.decode(Bytes.struct({ rest: Bytes.bytesRest }))]

const inputsPerFramer = 5_000
const utf8Inputs = 7_000
const bytesInputs = 20_000

/** Random garbage, or a valid encoding damaged: a flipped byte, a cut, an insertion, a duplicated run. */
const inputFor = (random: () => number, valid: (() => Uint8Array) | undefined): Uint8Array => {
  const pick = random()
  if (valid === undefined || pick < 0.4) return randomBytes(random, (random() * 48) | 0)
  const bytes = valid()
  if (bytes.length === 0 || pick < 0.5) return bytes
  const at = (random() * bytes.length) | 0
  const copy = Uint8Array.from(bytes)
  if (pick < 0.7) {
    copy[at] = (random() * 256) | 0
    return copy
  }
  if (pick < 0.8) return copy.subarray(0, at)
  if (pick < 0.9) return Uint8Array.from([...copy.subarray(0, at), (random() * 256) | 0, ...copy.subarray(at)])
  return Uint8Array.from([...copy, ...copy.subarray(at)])
}

/** The same bytes cut at random points, empty pieces included. */
const cut = (random: () => number, bytes: Uint8Array): Array<Uint8Array> => {
  const pieces: Array<Uint8Array> = []
  let at = 0
  while (at < bytes.length) {
    const n = random() < 0.1 ? 0 : 1 + ((random() * 8) | 0)
    pieces.push(bytes.subarray(at, at + n))
    at += n
  }
  if (random() < 0.2) pieces.push(new Uint8Array(0))
  return pieces
}

interface Tally {
  inputs: number
  ok: number
  typed: number
  defects: Array<string>
}

const classify = <A, E>(tally: Tally, exit: Exit.Exit<A, E>, allowed: Set<string>, label: string) => {
  tally.inputs++
  if (Exit.isSuccess(exit)) return void tally.ok++
  const failures = Chunk.toReadonlyArray(Cause.failures(exit.cause))
  if (!Cause.isDie(exit.cause) && failures.length === 1 && allowed.has(tagOf(failures[0]))) return void tally.typed++
  if (tally.defects.length < 5) tally.defects.push(`${label}: ${Cause.pretty(exit.cause).slice(0, 300)}`)
}

describe("stress: fuzzing", () => {
  it("random and mutated inputs give frames or typed errors, never a defect or a hang", async () => {
    const random = prng(20240610)
    const tally: Tally = { inputs: 0, ok: 0, typed: 0, defects: [] }
    const perTarget: Array<string> = []
    const start = performance.now()

    for (const [name, framer] of framers) {
      const before = tally.inputs
      // Valid wire bytes for this framer: a few random frames encoded, to be damaged.
      const valid = () => {
        const frames = Array.from({ length: 1 + ((random() * 3) | 0) }, () => randomBytes(random, (random() * 20) | 0))
        const wire = frames.map((f) => framer.encodeFrame(f)).flatMap((e) => e._tag === "Right" ? [e.right] : [])
        return Buffer.concat(wire)
      }
      for (let i = 0; i < inputsPerFramer; i += batchSize) {
        const runs = Array.from({ length: batchSize }, () =>
          Stream.runCollect(framer.decode(Stream.fromIterable(cut(random, inputFor(random, valid))))))
        runBatch(tally, runs, framingTags, name)
        await tick()
      }
      perTarget.push(`${name}:${tally.inputs - before}`)
    }

    const text = () => new TextEncoder().encode("héllo wörld €𝄞 ".slice(0, (random() * 16) | 0))
    for (const [name, decode, allowed] of [
      ["Utf8.decode", Utf8.decode, utf8Tags],
      ["Utf8.decodeLenient", Utf8.decodeLenient, new Set<string>()]
    ] as const) {
      const before = tally.inputs
      for (let i = 0; i < utf8Inputs; i += batchSize) {
        const runs = Array.from({ length: batchSize }, () =>
          Stream.runCollect(decode(Stream.fromIterable(cut(random, inputFor(random, text))))))
        runBatch(tally, runs, allowed, name)
        await tick()
      }
      perTarget.push(`${name}:${tally.inputs - before}`)
    }
    {
      const before = tally.inputs
      for (let i = 0; i < utf8Inputs; i += batchSize) {
        const runs = Array.from({ length: batchSize }, () => {
          const frames = Array.from({ length: (random() * 4) | 0 }, () => inputFor(random, text))
          return Stream.runCollect(Utf8.decodeFrames(Stream.fromIterable(frames)))
        })
        runBatch(tally, runs, utf8Tags, "Utf8.decodeFrames")
        await tick()
      }
      perTarget.push(`Utf8.decodeFrames:${tally.inputs - before}`)
    }

    {
      const before = tally.inputs
      const validPacket = () => {
        const encoded = Bytes.encode(Packet)({
          header: {
            magic: new Uint8Array([0xca, 0xfe]),
            kind: 1,
            id: 7,
            delta: -3,
            big: -5n,
            ratio: 1.5,
            name: "abc"
          },
          size: 2,
          blob: new Uint8Array([1, 2]),
          text: "ok€"
        })
        return encoded._tag === "Right" ? encoded.right : new Uint8Array(0)
      }
      for (let i = 0; i < bytesInputs; i++) {
        const input = inputFor(random, validPacket)
        const decode = decoders[i % decoders.length]!
        // Pure and synchronous: a throw (RangeError) is the defect to catch.
        let exit: Exit.Exit<unknown, unknown>
        try {
          const result = decode(input)
          exit = result._tag === "Right" ? Exit.succeed(result.right) : Exit.fail(result.left)
        } catch (defect) {
          exit = Exit.die(defect)
        }
        classify(tally, exit, bytesTags, "Bytes.decode")
        if (i % 1_000 === 0) await tick()
      }
      perTarget.push(`Bytes.decode:${tally.inputs - before}`)
    }

    const seconds = (performance.now() - start) / 1000
    Effect.runSync(summary("fuzzing", {
      inputs: tally.inputs,
      frames: tally.ok,
      typedErrors: tally.typed,
      defects: tally.inputs - tally.ok - tally.typed,
      seconds: seconds.toFixed(1),
      inputsPerSecond: Math.round(tally.inputs / seconds)
    }))
    console.log(`[stress] fuzzing per target: ${perTarget.join(" ")}`)
    expect(tally.defects).toEqual([])
    expect(tally.inputs).toBeGreaterThanOrEqual(100_000)
    expect(tally.ok + tally.typed).toBe(tally.inputs)
    // Both outcomes are exercised, or the mutations are not reaching the decoders.
    expect(tally.ok).toBeGreaterThan(10_000)
    expect(tally.typed).toBeGreaterThan(10_000)
  }, 120_000)
})
