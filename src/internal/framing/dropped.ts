/**
 * How many frames a built-in decoder dropped whole (`onOversize: "skip"`).
 * Such a frame ends without an output, and `withFrameTimeout` must see it end
 * to time the next frame from its own first byte. A symbol, not a field a
 * `Framing.make` decoder could have by chance; a decoder without it drops
 * nothing as far as the timeout knows.
 *
 * @internal
 */
export const droppedFrames: unique symbol = Symbol("effect-net/droppedFrames")

/** @internal */
export interface CountsDropped {
  readonly [droppedFrames]: number
}

/**
 * The count of `decoder`, or 0 for one that does not keep it.
 *
 * @internal
 */
export const dropped = (decoder: object): number => (decoder as Partial<CountsDropped>)[droppedFrames] ?? 0
