import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import { pipe } from "effect/Function"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Schema from "effect/Schema"
import * as Framing from "../../src/Framing.js"
import * as Message from "../../src/Message.js"
import { bytes, latin1 } from "../util/bytes.js"

/** `chunks`, each delivered `gap` after the one before (the first one `gap` after the start) */
const paced = (chunks: ReadonlyArray<Uint8Array>, gap: Duration.DurationInput) =>
  Stream.fromIterable(chunks).pipe(Stream.rechunk(1), Stream.mapEffect((chunk) => Effect.delay(Effect.succeed(chunk), gap)))

/** one byte per chunk */
const drip = (wire: Uint8Array, gap: Duration.DurationInput) => paced(Array.from(wire, (byte) => bytes([byte])), gap)

/** run a decode on the TestClock: fork it, move the clock on by `total`, join */
const onTestClock = <A, E>(stream: Stream.Stream<A, E>, total: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runCollect(stream).pipe(Effect.map(Chunk.toReadonlyArray), Effect.either))
    yield* TestClock.adjust(total)
    return yield* Fiber.join(fiber)
  })

const lengthPrefixed = Framing.lengthPrefixed({ lengthFieldLength: 2 })

describe("Framing.withFrameTimeout (issue 10: a drip defeats the idle timeout)", () => {
  it.effect("one byte every 900 ms of a frame that never completes fails under a 1 s bound", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(lengthPrefixed, "1 second")
      const result = yield* onTestClock(drip(bytes([0x00, 0x0c], "HELLO, WORLD"), "900 millis").pipe(framer.decode), "1 minute")
      // first byte at 0.9 s, second at 1.8 s, bound reached at 1.9 s with 2 bytes in
      expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 2 })))
    }))

  it.effect("the clock starts at a frame's first byte: it fails exactly `duration` after it", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(lengthPrefixed, "1 second")
      const fiber = yield* Effect.fork(
        paced([bytes([0x00, 0x01, 0x61]), bytes([0x00])], "10 seconds").pipe(
          Stream.concat(Stream.never),
          framer.decode,
          Stream.runCollect,
          Effect.either
        )
      )
      // a frame at 10 s, the first byte of the next at 20 s: failing at 21 s, not before
      yield* TestClock.adjust("20999 millis")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(expect.objectContaining({ _tag: "None" }))
      yield* TestClock.adjust("1 milli")
      const result = yield* Fiber.join(fiber)
      expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 1 })))
    }))

  it.effect("complete frames with long idle gaps between them never time out", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(lengthPrefixed, "1 second")
      const wire = [bytes([0x00, 0x02], "ab"), bytes([0x00, 0x01], "c"), bytes([0x00, 0x00])]
      const result = yield* onTestClock(paced(wire, "1 hour").pipe(framer.decode), "4 hours")
      expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(["ab", "c", ""]))
    }))

  it.effect("each frame gets the whole bound: frames that each take 800 ms under a 1 s bound all arrive", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(lengthPrefixed, "1 second")
      // 5 frames of 5 bytes, 4 pieces each 200 ms apart after the first; a frame's last byte also starts no new one
      const pieces = Array.from({ length: 5 }, () => [bytes([0x00]), bytes([0x03]), bytes("x"), bytes("yz")]).flat()
      const result = yield* onTestClock(paced(pieces, "200 millis").pipe(framer.decode), "1 minute")
      expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(new Array(5).fill("xyz")))
    }))

  it.effect("time the consumer spends on frames does not count against the next one", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(lengthPrefixed, "1 second")
      // one chunk: a whole frame and the first byte of the next; the consumer takes 5 s over the first
      const wire = Stream.make(bytes([0x00, 0x01], "a", [0x00]), bytes([0x01], "b"))
      const result = yield* onTestClock(
        wire.pipe(framer.decode, Stream.tap(() => Effect.sleep("5 seconds"))),
        "1 minute"
      )
      expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(["a", "b"]))
    }))

  it.effect("lines: a line dripped without its newline times out, with the bytes received", () =>
    Effect.gen(function*() {
      const framer = pipe(Framing.lines(), Framing.withFrameTimeout("1 second"))
      const result = yield* onTestClock(drip(bytes("ok\nslowloris"), "300 millis").pipe(framer.decode), "1 minute")
      // "ok" at 0.9 s; "s" at 1.2 s starts the clock; 2.2 s: "slow" in
      expect(Either.mapLeft(result, (error) => error)).toStrictEqual(
        Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 4 }))
      )
    }))

  it.effect("an oversized frame being skipped is still a frame in progress", () =>
    Effect.gen(function*() {
      const framer = Framing.withFrameTimeout(
        Framing.lengthPrefixed({ lengthFieldLength: 1, maxFrameLength: 1, onOversize: "skip" }),
        "1 second"
      )
      const result = yield* onTestClock(drip(bytes([0x05], "abcde"), "600 millis").pipe(framer.decode), "1 minute")
      expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 2 })))
    }))

  describe("a Framing.make decoder without pending(): timed from the first byte after its last output", () => {
    // four-byte frames, no pending()
    const quads = pipe(Framing.make<Uint8Array, never>({
      decoder: () => {
        let held: Array<number> = []
        return {
          push(chunk, out) {
            for (const byte of chunk) {
              held.push(byte)
              if (held.length === 4) {
                out.push(Uint8Array.from(held))
                held = []
              }
            }
            return undefined
          },
          end: () => undefined
        }
      },
      encode: (frame) => frame
    }), Framing.withFrameTimeout("1 second"))

    it.effect("a drip times out", () =>
      Effect.gen(function*() {
        const result = yield* onTestClock(drip(bytes("abcdefgh"), "400 millis").pipe(quads.decode), "1 minute")
        // "a" at 0.4 s starts the clock, "d" due at 1.6 s: too late
        expect(Either.mapLeft(result, (error) => error._tag)).toStrictEqual(Either.left("FrameTimeoutError"))
      }))

    it.effect("the bytes since its last output are the bytes received", () =>
      Effect.gen(function*() {
        // "abcd" whole, then "e" at 0.4 s starts the clock; "f", "g" in by 1.2 s, "h" due at 1.6 s: too late
        const wire = Stream.concat(Stream.make(bytes("abcd")), paced([bytes("e"), bytes("f"), bytes("g"), bytes("h")], "400 millis"))
        const result = yield* onTestClock(wire.pipe(quads.decode), "1 minute")
        expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 3 })))
      }))

    it.effect("whole frames with gaps do not", () =>
      Effect.gen(function*() {
        const result = yield* onTestClock(paced([bytes("abcd"), bytes("efgh")], "10 seconds").pipe(quads.decode), "1 minute")
        expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(["abcd", "efgh"]))
      }))
  })

  it.live("real time: a byte every 50 ms under a 200 ms bound fails, in about 200 ms", () =>
    Effect.gen(function*() {
      const framer = pipe(lengthPrefixed, Framing.withFrameTimeout("200 millis"))
      const start = Date.now()
      const result = yield* drip(bytes([0x00, 0x10], "0123456789abcdef"), "50 millis").pipe(
        framer.decode,
        Stream.runCollect,
        Effect.either,
        Effect.timeout("5 seconds")
      )
      expect(Either.mapLeft(result, (error) => error._tag)).toStrictEqual(Either.left("FrameTimeoutError"))
      // well before the frame's 18 bytes (900 ms) could have arrived: the bound, not the end, stopped it
      expect(Date.now() - start).toBeLessThan(850)
    }))

  it.live("real time: complete frames 300 ms apart under a 200 ms bound all arrive", () =>
    Effect.gen(function*() {
      const framer = pipe(lengthPrefixed, Framing.withFrameTimeout("200 millis"))
      const frames = yield* paced([bytes([0x00, 0x01], "a"), bytes([0x00, 0x01], "b"), bytes([0x00, 0x01], "c")], "300 millis")
        .pipe(framer.decode, Stream.runCollect, Effect.timeout("5 seconds"))
      expect(Chunk.toReadonlyArray(frames).map(latin1)).toStrictEqual(["a", "b", "c"])
    }))

  it.effect("a timed framer is a Framer: a Message codec over it fails a dripped message with FrameTimeoutError", () =>
    Effect.gen(function*() {
      const codec = Message.json(Schema.String, { framer: Framing.withFrameTimeout(Framing.lengthPrefixed(), "1 second") })
      const wire = Either.getOrThrow(yield* Effect.either(codec.encodeMessage("hello")))
      const result = yield* onTestClock(drip(wire, "400 millis").pipe(codec.decode), "1 minute")
      expect(result).toStrictEqual(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 3 })))
    }))

  it("FrameTimeoutError says what happened", () => {
    expect(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 3 }).message).toBe(
      "frame not complete within 1000 ms of its first byte (3 bytes received)"
    )
  })
})
