import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"

/**
 * A synchronous state machine that knows nothing of Effect or I/O: it takes
 * input elements one at a time and appends whatever they complete to `out`.
 *
 * @internal
 */
export interface Decoder<I, O, E> {
  /** Take one input element; append complete outputs to `out`; return an error to stop. */
  push(input: I, out: Array<O>): E | undefined
  /** End of input: leftovers become an error or, where asked, a last output. */
  end(out: Array<O>): E | undefined
  /** End of a pull (or an error): append what `push` held back to batch it (an encoder's shared buffer). */
  flush?(out: Array<O>): void
}

/**
 * The one adapter every framer, encoder and UTF-8 decoder goes through. Each
 * pull runs the state machine over the whole input chunk in a plain loop and
 * writes what it produced as one output chunk (several for a pull of more
 * than 4096 outputs or 1 MiB of input), so the Effect cost is paid per pull,
 * never per frame. Outputs produced before an error are still emitted.
 *
 * @internal
 */
export const pipeThrough = <I, O, DE>(make: () => Decoder<I, O, DE>) =>
<E, R>(self: Stream.Stream<I, E, R>): Stream.Stream<O, E | DE, R> =>
  Stream.pipeThroughChannel(self, Channel.suspend(() => channel<I, O, DE, E>(make())))

const flushAt = 4096
/** far above what a socket pull holds (384 KiB), so only a source that batches more (a file, a test) meets it */
const flushBytes = 1024 * 1024

type Loop<I, O, E> = Channel.Channel<Chunk.Chunk<O>, Chunk.Chunk<I>, E, E, unknown, unknown>

const channel = <I, O, DE, E>(decoder: Decoder<I, O, DE>): Loop<I, O, E | DE> => {
  const emitThen = (out: Array<O>, next: Loop<I, O, E | DE>): Loop<I, O, E | DE> =>
    out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next)

  // Runs the decoder over `items` from `start`. Output is written in batches
  // of about `flushAt` outputs or `flushBytes` of input, whichever comes
  // first: a pull of thousands of input chunks would otherwise hold every
  // frame it produced until the pull ends — frames that survive a
  // young-generation collection cost far more than decoding them, and large
  // frames held by the thousand are out of cache when the consumer reads them.
  const run = (items: ReadonlyArray<I>, start: number): Loop<I, O, E | DE> => {
    const out: Array<O> = []
    // bytes are weighed (every built-in decoder's and encoder's items are); asked once per run, not per
    // item, since an encoder's items are frames (per item: 0-4% on 16 B frames in two measurements)
    const weighed = items[start] instanceof Uint8Array
    let bytes = 0
    for (let i = start; i < items.length; i++) {
      const item = items[i]!
      if (weighed) bytes += (item as unknown as Uint8Array).length
      const error = decoder.push(item, out)
      if (error !== undefined) {
        decoder.flush?.(out)
        return emitThen(out, Channel.fail(error))
      }
      if ((out.length >= flushAt || (bytes >= flushBytes && out.length > 0)) && i + 1 < items.length) {
        decoder.flush?.(out)
        return Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), Channel.suspend(() => run(items, i + 1)))
      }
    }
    decoder.flush?.(out)
    return emitThen(out, loop)
  }

  const loop: Loop<I, O, E | DE> = Channel
    .readWithCause({
      onInput: (input: Chunk.Chunk<I>) => run(Chunk.toReadonlyArray(input), 0),
      onFailure: Channel.failCause,
      onDone: () => {
        const out: Array<O> = []
        const error = decoder.end(out)
        return emitThen(out, error === undefined ? Channel.void : Channel.fail(error))
      }
    })
  return loop
}
