import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/**
 * One run's source: `poll` hands over what is already received, or
 * `undefined`; `pull` waits for more and fails with `None` at the end.
 *
 * @internal
 */
export interface PolledSource<A, E> {
  readonly poll: () => Chunk.Chunk<A> | undefined
  readonly pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>
}

// A pull that failed with None (the end) as a value, so the channel can end without a catch per pull.
const orEnd = <E>(error: Option.Option<E>): Effect.Effect<undefined, E> =>
  Option.isNone(error) ? Effect.succeed(undefined) : Effect.fail(error.value)

/**
 * The read side of a connection as a stream, its channels built once per run.
 * A chunk already received is handed over inside the channel executor
 * (`poll`), without an Effect step; only when nothing is buffered does it run
 * `pull`, which waits. `Stream.repeatEffectChunkOption(pull)` would build its
 * unfold step anew and run an Effect for every chunk. `make` is called once
 * per run (a reader per run: concurrent runs each park a waiter of their own).
 * The decode benchmark feeds its input through this same stream.
 *
 * @internal
 */
export const polledStream = <A, E>(make: () => PolledSource<A, E>): Stream.Stream<A, E> =>
  Stream.fromChannel(Channel.suspend(() => {
    const { poll, pull } = make()
    const again = () => loop
    const emit = (chunk: Chunk.Chunk<A> | undefined) =>
      chunk === undefined ? Channel.void : Channel.flatMap(Channel.write(chunk), again)
    const wait = Channel.flatMap(Channel.fromEffect(Effect.catchAll(pull, orEnd<E>)), emit)
    const loop: Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, unknown, unknown> = Channel.suspend(() => {
      const chunk = poll()
      return chunk === undefined ? wait : emit(chunk)
    })
    return loop
  }))
