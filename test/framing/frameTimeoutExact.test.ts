/**
 * withFrameTimeout, checked exactly (issue 12: the Stryker survivors of
 * internal/framing/frameTimeout.ts): the clock of a frame that starts in the
 * chunk that ended the one before, the bound given again to each frame when
 * frames straddle chunks, the inner decoder's end of input passed through,
 * a bound used up by a wait whose bytes arrived in time for no timer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Framing from "../../src/Framing.js"
import { bytes, latin1 } from "../util/bytes.js"

const paced = (chunks: ReadonlyArray<Uint8Array>, gap: Duration.DurationInput) =>
  Stream.fromIterable(chunks).pipe(Stream.rechunk(1), Stream.mapEffect((chunk) => Effect.delay(Effect.succeed(chunk), gap)))

const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Stream.runCollect(stream).pipe(Effect.map(Chunk.toReadonlyArray), Effect.either)

/** fork the decode, move the TestClock on by `total`, and look (a decode still waiting is `None`, not a hang) */
const after = <A, E>(stream: Stream.Stream<A, E>, total: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(collect(stream))
    yield* TestClock.adjust(total)
    return Option.map(yield* Fiber.poll(fiber), Exit.getOrElse((cause): never => {
      throw new Error(`the decode died: ${String(cause)}`)
    }))
  })

const lengthPrefixed = Framing.lengthPrefixed({ lengthFieldLength: 2 })
const timed = Framing.withFrameTimeout(lengthPrefixed, "1 second")

describe("Framing.withFrameTimeout, exactly", () => {
  it.effect("a frame whose first byte came with the end of the one before is timed from that chunk", () =>
    Effect.gen(function*() {
      const wire = Stream.make(bytes([0x00, 0x01], "a", [0x00])).pipe(Stream.concat(Stream.never), timed.decode)
      const fiber = yield* Effect.fork(collect(wire))
      yield* TestClock.adjust("999 millis")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(Option.none())
      yield* TestClock.adjust("1 milli")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(
        Option.some(Exit.succeed(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 1 }))))
      )
    }))

  it.effect("frames straddling chunks, 800 ms each under a 1 s bound: each completed frame restarts the clock", () =>
    Effect.gen(function*() {
      // every chunk but the first and last ends one frame and starts the next: the decoder never holds 0 bytes
      const pieces = [bytes([0x00, 0x03], "x"), ...new Array(4).fill(bytes("yz", [0x00, 0x03], "x")), bytes("yz")]
      const result = yield* after(paced(pieces, "800 millis").pipe(timed.decode), "1 minute")
      expect(Option.map(result, Either.map((frames) => frames.map(latin1)))).toStrictEqual(
        Option.some(Either.right(new Array(5).fill("xyz")))
      )
    }))

  it.effect("the bound is per frame, not per stream: the same pieces 1 s apart fail at the first frame", () =>
    Effect.gen(function*() {
      const pieces = [bytes([0x00, 0x03], "x"), bytes("yz", [0x00, 0x03], "x"), bytes("yz")]
      const result = yield* after(paced(pieces, "1001 millis").pipe(timed.decode), "1 minute")
      expect(result).toStrictEqual(
        Option.some(Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 3 })))
      )
    }))

  it.effect("the end of input is the inner decoder's: a cut frame is TruncatedFrameError, a last line is emitted", () =>
    Effect.gen(function*() {
      expect(yield* collect(Stream.make(bytes([0x00, 0x05], "ab")).pipe(timed.decode))).toStrictEqual(
        Either.left(new Framing.TruncatedFrameError({ received: 4, expected: 7, headerLength: 2 }))
      )
      const lines = Framing.withFrameTimeout(Framing.lines({ emitTrailing: true }), "1 second")
      const result = yield* collect(Stream.make(bytes("a\nb")).pipe(lines.decode))
      expect(Either.map(result, (frames) => frames.map(latin1))).toStrictEqual(Either.right(["a", "b"]))
    }))

  it.effect("a frame whose waits add up to the whole bound fails before more is read, even if no timer fired", () =>
    Effect.gen(function*() {
      // a clock whose timers never fire and whose every reading is 1 s after the one before: the wait
      // for "y" took the whole second (as when the event loop runs a timer late, after the bytes)
      let now = 0
      const late: Clock.Clock = {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        unsafeCurrentTimeMillis: () => (now += 1000),
        currentTimeMillis: Effect.sync(() => (now += 1000)),
        unsafeCurrentTimeNanos: () => BigInt(now += 1000) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(now += 1000) * 1_000_000n),
        sleep: () => Effect.never
      }
      const wire = Stream.make(bytes([0x00, 0x03], "x"), bytes("y"), bytes("z")).pipe(Stream.rechunk(1), timed.decode)
      expect(yield* collect(wire).pipe(Effect.withClock(late))).toStrictEqual(
        Either.left(new Framing.FrameTimeoutError({ timeoutMillis: 1000, received: 4 }))
      )
    }))
})
