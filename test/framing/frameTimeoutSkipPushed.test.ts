/**
 * withFrameTimeout where a frame ends without an output (`onOversize:
 * "skip"`), and the timed framer's `decoder()`, which code that pushes chunks
 * as they arrive drives (the RPC parser): there the bound is kept on the wall
 * clock, checked when a chunk comes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Framing from "../../src/Framing.js"
import { timedDecoder } from "../../src/internal/framing/frameTimeout.js"
import * as NetRpc from "../../src/rpc.js"
import { bytes, latin1 } from "../util/bytes.js"

const paced = (chunks: ReadonlyArray<Uint8Array>, gap: Duration.DurationInput) =>
  Stream.fromIterable(chunks).pipe(Stream.rechunk(1), Stream.mapEffect((chunk) => Effect.delay(Effect.succeed(chunk), gap)))

const onTestClock = <A, E>(stream: Stream.Stream<A, E>, total: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runCollect(stream).pipe(Effect.map(Chunk.toReadonlyArray), Effect.either))
    yield* TestClock.adjust(total)
    return yield* Fiber.join(fiber)
  })

const skipping = [
  [
    "lengthPrefixed",
    Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 2, onOversize: "skip" }),
    // 05 "abcde" (skipped), then 02 "xy"; the chunk that ends the skipped frame starts the next one
    [bytes([0x05], "a"), bytes("bc"), bytes("de", [0x02]), bytes("x"), bytes("y")]
  ],
  ["lines", Framing.lines({ maxFrameLength: 2, onOversize: "skip" }), [bytes("a"), bytes("bc"), bytes("de\nx"), bytes("y"), bytes("\n")]]
] as const

describe("withFrameTimeout after a frame dropped by onOversize: skip", () => {
  for (const [name, inner, wire] of skipping) {
    it.effect(`${name}: the next frame is timed from its own first byte, not the dropped one's`, () =>
      Effect.gen(function*() {
        // chunks at 0.3 s to 1.5 s: the dropped frame takes 0.3-0.9 s, the next one 0.9-1.5 s, each under 1 s
        const result = yield* onTestClock(paced(wire, "300 millis").pipe(Framing.withFrameTimeout(inner, "1 second").decode), "1 minute")
        expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(["xy"]))
      }))

    it.effect(`${name}: a dropped frame dripped past the bound is still cut off`, () =>
      Effect.gen(function*() {
        // the same chunks 600 ms apart: 1 s after the first byte only two chunks are in (the header counts)
        const result = yield* onTestClock(paced(wire, "600 millis").pipe(Framing.withFrameTimeout(inner, "1 second").decode), "1 minute")
        const received = name === "lines" ? 3 : 4
        expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received })))
      }))
  }
})

describe("withFrameTimeout and a Framing.make decoder whose pending() falls mid-frame", () => {
  // a marker byte and a length byte, dropped as soon as both are in: pending() falls from 2 to the body's bytes
  const headerDropping = Framing.make<Uint8Array, never>({
    decoder: () => {
      let header: Array<number> = []
      let body: Array<number> = []
      return {
        push(chunk, out) {
          for (const byte of chunk) {
            if (header.length < 2) header.push(byte)
            else body.push(byte)
            if (header.length === 2 && body.length === header[1]) {
              out.push(Uint8Array.from(body))
              header = []
              body = []
            }
          }
          return undefined
        },
        end: () => undefined,
        pending: () => (header.length < 2 ? header.length : body.length)
      }
    },
    encode: (frame) => Uint8Array.of(0xaa, frame.length, ...frame)
  })

  it.effect("the frame is still timed from its first byte: a header read is not a frame's end", () =>
    Effect.gen(function*() {
      const timed = Framing.withFrameTimeout(headerDropping, "1 second")
      // the header's first byte at 0 s, the rest of it and "a" at 0.9 s, then "b" "c" "d" 0.2 s apart
      const gaps = [0, 900, 200, 200, 200]
      const wire = [bytes([0xaa]), bytes([0x04], "a"), bytes("b"), bytes("c"), bytes("d")]
      const paced = Stream.fromIterable(wire.map((chunk, i) => [chunk, gaps[i]!] as const)).pipe(
        Stream.mapEffect(([chunk, gap]) => Effect.delay(Effect.succeed(chunk), Duration.millis(gap)))
      )
      const result = yield* onTestClock(paced.pipe(timed.decode), "1 minute")
      // what the decoder says it holds then: "a" (its header is gone)
      expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 1 })))
    }))
})

describe("a timed framer's decoder(), pushed: the bound on the wall clock", () => {
  const make = (inner: Framing.Framer = Framing.lengthPrefixed({ lengthFieldLength: 1 })) => {
    let now = 0
    const decoder = timedDecoder(inner.decoder(), 1000, () => now)
    const out: Array<Uint8Array> = []
    const push = (at: number, chunk: Uint8Array) => {
      now = at
      const error = decoder.push(chunk, out)
      return error ?? out.splice(0).map(latin1)
    }
    return { decoder, push }
  }

  it("a chunk that comes a bound after its frame's first byte is refused, one just before is taken", () => {
    const early = make()
    expect(early.push(0, bytes([0x03], "x"))).toStrictEqual([])
    expect(early.push(999, bytes("yz"))).toStrictEqual(["xyz"])
    const late = make()
    expect(late.push(0, bytes([0x03], "x"))).toStrictEqual([])
    expect(late.push(1000, bytes("yz"))).toStrictEqual(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 2 }))
  })

  it("time between frames is not counted; a frame begun in the chunk that ended the last is timed from that chunk", () => {
    const { decoder, push } = make()
    expect(push(0, bytes([0x01], "a"))).toStrictEqual(["a"])
    expect(decoder.pending?.()).toBe(0)
    // an hour between frames, then a frame that ends in a chunk which starts the next one
    expect(push(3_600_000, bytes([0x02], "b"))).toStrictEqual([])
    expect(push(3_600_900, bytes("c", [0x02]))).toStrictEqual(["bc"])
    expect(push(3_601_800, bytes("d"))).toStrictEqual([])
    expect(push(3_601_900, bytes("e"))).toStrictEqual(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 2 }))
  })

  it("a frame dropped by onOversize: skip ends like an emitted one", () => {
    const { push } = make(skipping[0][1])
    const wire = skipping[0][2]
    expect([300, 600, 900, 1200, 1500].map((at, i) => push(at, wire[i]!))).toStrictEqual([[], [], [], [], ["xy"]])
  })

  it("a dropped frame that was whole in the queue when its header could be read ends there too", () => {
    // a length byte 70 bytes into the frame: its header is read from the queue, where the whole frame may be by then
    const far = Framing.lengthPrefixed({ lengthFieldOffset: 70, lengthFieldLength: 1, initialBytesToStrip: 0, maxFrameLength: 72, onOversize: "skip" })
    const { push } = make(far)
    const preamble = new Uint8Array(70).fill(0x2e)
    expect(push(0, preamble)).toStrictEqual([])
    // the length (5: a 76-byte frame, over 72) and the body, then the next frame's first 10 bytes
    expect(push(900, bytes([0x05], "abcde", preamble.subarray(0, 10)))).toStrictEqual([])
    expect(push(1500, bytes(preamble.subarray(10), [0x01], "z"))).toStrictEqual([latin1(bytes(preamble, [0x01], "z"))])
  })

  it("an oversized line whose delimiter comes in the chunk that makes it oversized ends there", () => {
    const { push } = make(Framing.lines({ maxFrameLength: 2, onOversize: "skip" }))
    expect([push(0, bytes("a")), push(900, bytes("bcde\nx")), push(1500, bytes("y\n"))]).toStrictEqual([[], [], ["xy"]])
  })

  it("pending and the end of input are the inner decoder's", () => {
    const { decoder, push } = make()
    push(0, bytes([0x05], "ab"))
    expect(decoder.pending?.()).toBe(3)
    expect(decoder.end([])).toStrictEqual(new Framing.TruncatedFrameError({ received: 3, expected: 6, headerLength: 1 }))
  })

  it.live("NetRpc over a timed framer: a frame dripped past the bound is an RpcDecodeError carrying FrameTimeoutError", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(Framing.lengthPrefixed(), "40 millis")
      const parser = NetRpc.make({ format: "json", framer }).unsafeMake()
      const got: Array<unknown> = []
      let thrown: unknown = undefined
      // "42" behind a 4-byte length, a byte every 25 ms: the bound is passed at the third byte or so
      for (const byte of [0, 0, 0, 2, 0x34, 0x32]) {
        yield* Effect.sleep("25 millis")
        try {
          got.push(...parser.decode(Uint8Array.of(byte)))
        } catch (error) {
          thrown = error
          break
        }
      }
      expect(got).toStrictEqual([])
      expect(thrown).toBeInstanceOf(NetRpc.RpcDecodeError)
      expect((thrown as NetRpc.RpcDecodeError).cause).toBeInstanceOf(Framing.FrameTimeoutError)
      // the same bytes at once decode
      const fresh = NetRpc.make({ format: "json", framer }).unsafeMake()
      expect(fresh.decode(Uint8Array.of(0, 0, 0, 2, 0x34, 0x32))).toStrictEqual([42])
    }))
})
