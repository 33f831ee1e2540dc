import type * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type FrameDecoder, type Framer, FrameTimeoutError } from "../../Framing.js"
import { pipeThrough } from "./decoder.js"
import { dropped } from "./dropped.js"

/**
 * The decoder, watched: how many bytes of an unfinished frame it holds, and
 * whether a frame was completed since the last look.
 */
interface Watched<O, E> {
  readonly decoder: FrameDecoder<O, E>
  /** bytes of the frame in progress (0 between frames) */
  readonly pending: () => number
  /** true once per completed frame batch: the frame clock starts again */
  readonly completedSince: () => boolean
}

const watch = <O, E>(decoder: FrameDecoder<O, E>): Watched<O, E> => {
  let completed = false
  // without `pending`, every byte since the last output counts as a frame byte:
  // a chunk that ends one frame and starts the next starts the clock one chunk late
  let sinceOutput = 0
  const pending = decoder.pending === undefined ? () => sinceOutput : () => decoder.pending!()
  return {
    decoder: {
      push(chunk, out) {
        const before = out.length
        const droppedBefore = dropped(decoder)
        const error = decoder.push(chunk, out)
        // a frame ends with an output, or dropped whole (`onOversize: "skip"`) with none
        if (out.length > before || dropped(decoder) > droppedBefore) {
          completed = true
          sinceOutput = 0
        } else {
          sinceOutput += chunk.length
        }
        return error
      },
      end: (out) => decoder.end(out)
    },
    pending,
    completedSince: () => {
      const was = completed
      completed = false
      return was
    }
  }
}

/**
 * A timed framer's own state machine (`Framer.decoder()`), for callers that
 * push chunks as they arrive rather than pull a stream, such as the RPC
 * parser: when a chunk comes, the frame in progress must have had its first
 * byte less than the bound ago (wall clock, `now`), else the push fails with
 * `FrameTimeoutError` instead of taking it. A drip is thus cut off at its
 * first chunk past the bound; a peer that sends nothing more is never pushed,
 * which is the connection's `idleTimeout`'s business.
 *
 * @internal
 */
export const timedDecoder = <O, E>(
  decoder: FrameDecoder<O, E>,
  millis: number,
  now: () => number = () => performance.now()
): FrameDecoder<O, E | FrameTimeoutError> => {
  const watched = watch(decoder)
  // when the frame in progress got its first byte; -1 between frames
  let since = -1
  const timed: FrameDecoder<O, E | FrameTimeoutError> = {
    push(chunk, out) {
      const at = now()
      if (since >= 0 && at - since >= millis) {
        return new FrameTimeoutError({ timeoutMillis: millis, received: watched.pending() })
      }
      const error = watched.decoder.push(chunk, out)
      if (watched.completedSince()) since = -1
      if (since < 0 && watched.pending() > 0) since = at
      return error
    },
    end: (out) => decoder.end(out)
  }
  if (decoder.pending !== undefined) timed.pending = () => decoder.pending!()
  return timed
}

/**
 * The input side of a timed decode. Pulls are sequential: when the decoder
 * asks for the next input chunk it has taken every chunk before it, so what it
 * holds then is what the peer has not finished. Only time spent waiting for
 * the peer counts against a frame (a slow consumer of the frames does not),
 * summed over the waits since the frame's first byte arrived.
 *
 * @internal
 */
const timedDecode = <O, E>(framer: Framer<O, E>, millis: number) =>
<E2, R>(self: Stream.Stream<Uint8Array, E2, R>): Stream.Stream<O, E2 | E | FrameTimeoutError, R> =>
  Stream.suspend(() => {
    const watched = watch(framer.decoder())
    const input = Stream.unwrapScoped(Effect.map(Stream.toPull(self), (pull) => {
      let waited = 0
      const step = Effect.suspend((): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E2 | FrameTimeoutError>, R> => {
        if (watched.completedSince()) waited = 0
        const received = watched.pending()
        if (received === 0) {
          waited = 0
          return pull
        }
        const timedOut: Option.Option<E2 | FrameTimeoutError> = Option.some(new FrameTimeoutError({ timeoutMillis: millis, received }))
        if (waited >= millis) return Effect.fail(timedOut)
        return Effect.flatMap(Clock.currentTimeMillis, (start) =>
          pull.pipe(
            Effect.timeoutFail({ duration: millis - waited, onTimeout: () => timedOut }),
            Effect.tap(() => Effect.map(Clock.currentTimeMillis, (now) => void (waited += now - start)))
          ))
      })
      return Stream.repeatEffectChunkOption(step)
    }))
    return pipeThrough(() => watched.decoder)(input)
  })

/**
 * `Framing.withFrameTimeout`: the stream decode timed on Effect's `Clock`,
 * the pushed state machine on the wall clock, encoding unchanged.
 *
 * @internal
 */
export const timedFramer = <O, E>(framer: Framer<O, E>, duration: Duration.DurationInput): Framer<O, E | FrameTimeoutError> => {
  const millis = Duration.toMillis(Duration.decode(duration))
  return {
    decoder: () => timedDecoder(framer.decoder(), millis),
    decode: timedDecode(framer, millis),
    encode: framer.encode,
    encodeFrame: framer.encodeFrame
  }
}
