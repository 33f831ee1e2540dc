import { constants } from "node:buffer"
import { IllegalArgumentException } from "effect/Cause"

/**
 * The checks of every framer's options, in one place. Options are the
 * programmer's, not the peer's: a wrong one throws at construction, never
 * fails a stream later.
 */

/**
 * The longest frame that can be allocated at all.
 *
 * @internal
 */
export const maxBufferLength: number = constants.MAX_LENGTH

/** @internal */
export const defaultMaxFrameLength = 8 * 1024 * 1024

/**
 * `value` if it is one of `allowed` (or undefined).
 *
 * @internal
 */
export const oneOf = <A extends string>(name: string, value: A | undefined, allowed: ReadonlyArray<A>): A | undefined => {
  if (value !== undefined && !allowed.includes(value)) {
    throw new IllegalArgumentException(`${name} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${value}`)
  }
  return value
}

/**
 * Netty's ranges are Java ints: they also keep every length computation exact in a double.
 *
 * @internal
 */
export const requireInt32 = (name: string, value: number, min: number): void => {
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new IllegalArgumentException(`${name} must be an integer from ${min} to 2^31 - 1, got ${value}`)
  }
}

/**
 * `maxFrameLength` as a number of bytes. `Infinity` is no limit of our own;
 * Node's largest buffer is a limit all the same.
 *
 * @internal
 */
export const limit = (maxFrameLength: number | undefined): number => {
  const value = maxFrameLength ?? defaultMaxFrameLength
  if (value === Number.POSITIVE_INFINITY) return maxBufferLength
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new IllegalArgumentException(`maxFrameLength must be a non-negative integer or Infinity, got ${value}`)
  }
  return Math.min(value, maxBufferLength)
}

/**
 * `onOversize: "skip"`?
 *
 * @internal
 */
export const skips = (onOversize: "fail" | "skip" | undefined): boolean =>
  oneOf("onOversize", onOversize, ["fail", "skip"]) === "skip"

/**
 * A frame size for `fixedLength`.
 *
 * @internal
 */
export const requireSize = (size: number): number => {
  if (!Number.isSafeInteger(size) || size < 1 || size > maxBufferLength) {
    throw new IllegalArgumentException(`size must be a positive integer no larger than ${maxBufferLength}, got ${size}`)
  }
  return size
}

/**
 * `lengthFieldLength`, one of the sizes Netty reads.
 *
 * @internal
 */
export const requireFieldLength = <N extends number>(lengthFieldLength: N): N => {
  if (![1, 2, 3, 4, 8].includes(lengthFieldLength)) {
    throw new IllegalArgumentException(`lengthFieldLength must be 1, 2, 3, 4 or 8, got ${lengthFieldLength}`)
  }
  return lengthFieldLength
}

/**
 * A delimiter to frame on.
 *
 * @internal
 */
export const requireDelimiter = (delimiter: Uint8Array): void => {
  if (delimiter.length === 0) throw new IllegalArgumentException("delimiter must not be empty")
}
