/**
 * Property tests for protocol code: arbitraries and checks for a `Framer`,
 * yours (`Framing.make`) or a built-in one, on `effect/FastCheck`.
 *
 * Each check is a `Check<A>`: an arbitrary and a predicate that throws (with
 * what it got and what it expected) when the property does not hold. That is
 * the shape `@effect/vitest`'s `it.prop(name, arbitraries, predicate)` takes,
 * so a check is one line of a test; `property(check)` makes it a FastCheck
 * property for `FastCheck.assert` / `FastCheck.check` (to run it without
 * vitest, or to look at the shrunk counterexample). Framers are synchronous
 * state machines, so the predicates run the decode at once (no Effect to
 * yield): use `it.prop`, not `it.effect.prop`.
 *
 * This module does not import vitest: it is a library entry point.
 *
 * In a test file, with `@effect/vitest`:
 *
 * ```text
 * import { describe, it } from "@effect/vitest"
 * import * as FastCheck from "effect/FastCheck"
 * import { Framing } from "effect-net"
 * import * as Testing from "effect-net/testing"
 *
 * const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 }) // or your Framing.make(...)
 * const frames = FastCheck.uint8Array({ maxLength: 64 })
 *
 * describe("my protocol's framing", () => {
 *   const chunking = Testing.chunkingInvariant(framer, frames)
 *   it.prop("frames do not depend on where TCP cut the bytes", chunking.arbitraries, chunking.predicate)
 *
 *   const prefixes = Testing.prefixesTruncate(framer, frames)
 *   it.prop("a stream cut short is a TruncatedFrameError after the complete frames",
 *     prefixes.arbitraries, prefixes.predicate, { fastCheck: { numRuns: 200 } })
 *
 *   const garbage = Testing.garbageIsTyped(framer)
 *   it.prop("garbage fails typed, the same however it is cut", garbage.arbitraries, garbage.predicate)
 * })
 * ```
 *
 * The same checks without a test runner (this example is type-checked and
 * run by the API reference's build):
 *
 * @example
 * ```ts
 * import * as FastCheck from "effect/FastCheck"
 * import { Framing } from "effect-net"
 * import * as Testing from "effect-net/testing"
 *
 * const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 })
 * const frames = FastCheck.uint8Array({ maxLength: 64 })
 *
 * FastCheck.assert(Testing.property(Testing.chunkingInvariant(framer, frames)), { numRuns: 50 })
 * FastCheck.assert(Testing.property(Testing.prefixesTruncate(framer, frames)), { numRuns: 50 })
 * FastCheck.assert(Testing.property(Testing.garbageIsTyped(framer)), { numRuns: 50 })
 * ```
 *
 * @since 0.2.0
 */
import type * as FastCheck from "effect/FastCheck"
import type { Framer } from "./Framing.js"
import * as internal from "./internal/testing.js"

/**
 * A property: `it.prop(name, check.arbitraries, check.predicate)`. The
 * predicate throws an `Error` saying what it got and what it expected when
 * the property does not hold.
 *
 * @since 0.2.0
 * @category models
 */
export interface Check<A> {
  /**
   * One arbitrary, whose values are records that print readably in a
   * counterexample (`{ frames, cuts }`).
   *
   * @since 0.2.0
   */
  readonly arbitraries: [FastCheck.Arbitrary<A>]
  /**
   * Holds, or throws.
   *
   * @since 0.2.0
   */
  readonly predicate: (values: [A]) => void
}

/**
 * Options of the checks that generate frames.
 *
 * @since 0.2.0
 * @category models
 */
export interface CheckOptions<O> {
  /**
   * Frames per generated stream; default 8.
   *
   * @since 0.2.0
   */
  readonly maxFrames?: number | undefined
  /**
   * When a decoded frame is the frame that was encoded; default structural
   * equality (bytes by content, typed arrays, `DataView`s and
   * `ArrayBuffer`s included; arrays, Maps and Sets by their members; two
   * objects of the same prototype, `Data` values and errors included, by
   * their own enumerable fields, recursively). Objects whose state is not in
   * enumerable fields (`#private` fields, a `URL`) need an `equals`.
   *
   * @since 0.2.0
   */
  readonly equals?: ((decoded: O, sent: O) => boolean) | undefined
}

/**
 * Where to cut bytes into chunks: positions (each taken modulo the length
 * + 1, a negative one counting back from the end, -1 before the last
 * byte, then sorted; a position that is not a finite number throws a
 * `RangeError`; a repeated
 * position gives an empty chunk), or
 * `"bytewise"`, one byte per chunk. Small positions are what a
 * counterexample shrinks to.
 *
 * @since 0.2.0
 * @category models
 */
export type Cuts = ReadonlyArray<number> | "bytewise"

/**
 * Arbitrary cut points: mostly a few, sometimes many (down to empty chunks),
 * sometimes one byte per chunk.
 *
 * @since 0.2.0
 * @category arbitraries
 */
export const cutPoints: FastCheck.Arbitrary<Cuts> = internal.cutPoints

/**
 * `bytes` cut at `cuts`; every chunk is a copy with its own buffer, as a
 * socket delivers them.
 *
 * @since 0.2.0
 * @category utils
 */
export const cutAt: (bytes: Uint8Array, cuts: Cuts) => Array<Uint8Array> = internal.cutAt

/**
 * An arbitrary re-chunking of `bytes`: the chunks concatenate to `bytes`;
 * empty chunks and one-byte chunks included. Shrinks towards fewer cuts
 * near the start.
 *
 * @since 0.2.0
 * @category arbitraries
 */
export const cuts: (bytes: Uint8Array) => FastCheck.Arbitrary<Array<Uint8Array>> = internal.cuts

/**
 * Wire-like garbage: any bytes, or bytes biased towards small lengths,
 * delimiters (`\0`, `\r`, `\n`, `,`, `:`) and varint continuation bits.
 *
 * @since 0.2.0
 * @category arbitraries
 */
export const garbage: FastCheck.Arbitrary<Uint8Array> = internal.garbage

/**
 * Encode frames, cut the wire anywhere, decode: the same frames, and no
 * error. The central property of a framer. Frames the framer refuses to
 * encode are left out, so `frames` may generate some; but once most samples
 * (of 20 or more with frames) had none the encoder accepts, the check fails
 * saying so, rather than pass having tested nothing (so does
 * `prefixesTruncate`).
 *
 * @since 0.2.0
 * @category checks
 */
export const chunkingInvariant: <O, E>(
  framer: Framer<O, E>,
  frames: FastCheck.Arbitrary<O>,
  options?: CheckOptions<O>
) => Check<{ readonly frames: Array<O>; readonly cuts: Cuts }> = internal.chunkingInvariant

/**
 * Encode frames and end the stream after any prefix of the wire, cut
 * anywhere: exactly the frames that arrived whole, then, if the stream ended
 * inside a frame, a `TruncatedFrameError` whose `received` is the bytes of
 * that frame that arrived and whose `expected`, if set, is its size on the
 * wire. (Not for framers told to `emitTrailing`.)
 *
 * @since 0.2.0
 * @category checks
 */
export const prefixesTruncate: <O, E>(
  framer: Framer<O, E>,
  frames: FastCheck.Arbitrary<O>,
  options?: CheckOptions<O>
) => Check<{ readonly frames: Array<O>; readonly end: number; readonly cuts: Cuts }> = internal.prefixesTruncate

/**
 * Options of `garbageIsTyped`.
 *
 * @since 0.2.0
 * @category models
 */
export interface GarbageOptions {
  /**
   * The bytes to feed the decoder; default `garbage`.
   *
   * @since 0.2.0
   */
  readonly garbage?: FastCheck.Arbitrary<Uint8Array> | undefined
  /**
   * Whether a failure is one the framer is meant to fail with; default: any
   * tagged error (an object with a string `_tag`).
   *
   * @since 0.2.0
   */
  readonly isError?: ((error: unknown) => boolean) | undefined
  /**
   * When two frames, or two errors, from the same bytes cut differently are
   * the same; default the structural equality of `CheckOptions.equals`
   * (errors of the same class by their fields and `message`).
   *
   * @since 0.2.0
   */
  readonly equals?: ((a: unknown, b: unknown) => boolean) | undefined
}

/**
 * Garbage in: decoding never throws or dies, ends in frames or an expected
 * error (by default any tagged error), and gives the same frames and error
 * however the garbage is cut.
 *
 * @since 0.2.0
 * @category checks
 */
export const garbageIsTyped: <O, E>(
  framer: Framer<O, E>,
  options?: GarbageOptions
) => Check<{ readonly bytes: Uint8Array; readonly cuts: Cuts }> = internal.garbageIsTyped

/**
 * A check as a FastCheck property, for `FastCheck.assert(property(check))`
 * or `FastCheck.check` (which returns the shrunk counterexample).
 *
 * @since 0.2.0
 * @category utils
 */
export const property: <A>(check: Check<A>) => FastCheck.IPropertyWithHooks<[A]> = internal.property
