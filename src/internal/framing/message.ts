import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Packr, Unpackr } from "msgpackr"
import { types } from "node:util"
import type { Framer } from "../../Framing.js"
import { type Codec, MessageDecodeError, MessageEncodeError } from "../../Message.js"
import { checkMsgPack, unpackable } from "./msgpackCheck.js"
import { describe, isPlain } from "./plain.js"
import { InvalidUtf8Error } from "../../Utf8.js"
import { Utf8FrameDecoder } from "./utf8.js"

/**
 * How one frame's bytes become the schema's encoded side `I` and back,
 * without Effect: the part of a codec the RPC parser shares.
 *
 * @internal
 */
export interface Format<I> {
  readonly read: (frame: Uint8Array) => unknown
  readonly write: (value: I) => Uint8Array | MessageEncodeError
}

const utf8 = new Utf8FrameDecoder()
const text: Array<string> = []
const textEncoder = new TextEncoder()

/**
 * `JSON.stringify` writes NaN and ±Infinity as `null`, `undefined`, a
 * function or a symbol as `null` in an array, and a Map, a Set, a RegExp, an
 * Error or a Promise as `{}` and a typed array as an object of indices:
 * values that would come back different are refused instead. An object that
 * says how it is written (`toJSON`: a Date becomes its ISO string) is written
 * so; other objects (class instances, Effect's `Data` values, plain objects
 * of another realm) as their own enumerable properties, as `JSON.stringify`
 * does. An `undefined` property is still omitted (`Schema.optional` relies on
 * it); a function or symbol property is refused.
 */
function refuseLossy(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && lostInJson(value)) {
    throw new TypeError(`JSON cannot represent ${describe(value)}`)
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`JSON cannot represent the number ${value}`)
  } else if (typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`JSON cannot represent a ${typeof value}`)
  } else if (value === undefined && Array.isArray(this)) {
    throw new TypeError("JSON cannot represent undefined in an array")
  }
  return value
}

/** Objects `JSON.stringify` writes without their contents (after `toJSON`, which the replacer sees applied). */
const lostInJson = (value: object): boolean =>
  !Array.isArray(value) && !isPlain(value) && (
    types.isMap(value) || types.isSet(value) || types.isWeakMap(value) || types.isWeakSet(value) ||
    types.isRegExp(value) || types.isNativeError(value) || types.isPromise(value) ||
    types.isAnyArrayBuffer(value) || ArrayBuffer.isView(value)
  )

/** @internal */
export const jsonFormat: Format<unknown> = {
  read(frame) {
    const invalid = utf8.push(frame, text)
    if (invalid !== undefined) return new MessageDecodeError({ reason: "InvalidUtf8", frame, cause: invalid })
    try {
      return JSON.parse(text.pop()!)
    } catch (cause) {
      return new MessageDecodeError({ reason: "InvalidJson", frame, cause })
    }
  },
  write(value) {
    let written: string | undefined
    try {
      written = JSON.stringify(value, refuseLossy)
    } catch (cause) {
      return new MessageEncodeError({ reason: "InvalidJson", cause })
    }
    // `JSON.stringify` answers `undefined` (not a string) for `undefined`, a function or a symbol
    if (written === undefined) {
      return new MessageEncodeError({ reason: "InvalidJson", cause: new TypeError(`JSON cannot represent ${typeof value}`) })
    }
    return textEncoder.encode(written)
  }
}

// Standard MessagePack: msgpackr's record extension is off so any peer can read what we write;
// `undefined` properties are left out (as JSON does) instead of written as msgpackr's private extension.
const packr = new Packr({ useRecords: false, skipValues: [undefined] } as ConstructorParameters<typeof Packr>[0])
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true })

/** @internal */
export const msgpackFormat: Format<unknown> = {
  read(frame) {
    const problem = checkMsgPack(frame)
    if (problem !== undefined) {
      return problem._tag === "InvalidUtf8"
        ? new MessageDecodeError({ reason: "InvalidUtf8", frame, cause: new InvalidUtf8Error({ offset: problem.offset }) })
        : new MessageDecodeError({ reason: "InvalidMsgPack", frame, cause: new Error(problem.message) })
    }
    try {
      // msgpackr caches a `dataView` property on the array it reads: give it a view of its own, not the frame
      return unpackr.unpack(new Uint8Array(frame.buffer, frame.byteOffset, frame.length))
    } catch (cause) {
      return new MessageDecodeError({ reason: "InvalidMsgPack", frame, cause })
    }
  },
  write(value) {
    try {
      const problem = unpackable(value)
      if (problem !== undefined) {
        return new MessageEncodeError({ reason: "InvalidMsgPack", cause: new TypeError(`MessagePack cannot represent ${problem}`) })
      }
      return packr.pack(value)
    } catch (cause) {
      return new MessageEncodeError({ reason: "InvalidMsgPack", cause })
    }
  }
}

/** @internal */
export const binaryFormat: Format<Uint8Array> = {
  read: (frame) => frame,
  write: (value) => value
}

/**
 * What one element becomes: a value or an error at once (an `Either`, the
 * common case: every schema without effectful transformations), an Effect to
 * run (a schema that needs its context), or nothing (a skipped element).
 */
type Step<O, E, R> = Either.Either<O, E> | Effect.Effect<O, E, R> | undefined

/** The outcome of a parse that finished without running anything (an `Either` is an Effect), or `undefined`. */
const ran = <A, E, R>(effect: Effect.Effect<A, E, R>): Either.Either<A, E> | undefined =>
  Either.isEither(effect) ? effect as Either.Either<A, E> : undefined

const decodeSchemaError = (frame: Uint8Array, issue: ParseResult.ParseIssue) =>
  new MessageDecodeError({ reason: "Schema", frame, cause: new ParseResult.ParseError({ issue }) })

const encodeSchemaError = (issue: ParseResult.ParseIssue) =>
  new MessageEncodeError({ reason: "Schema", cause: new ParseResult.ParseError({ issue }) })

/**
 * A schema walking a value nested deeper than the stack allows overflows it
 * (Schema's parsers recurse): that is the input's fault, so a typed error.
 * Anything else a schema throws is a bug in it, and stays a defect.
 */
const isOverflow = (cause: unknown): cause is RangeError => cause instanceof RangeError

const overflowed = (cause: unknown): RangeError => {
  if (isOverflow(cause)) return cause
  throw cause
}

/**
 * A codec is a framer plus a step per frame (decode) or per value (encode).
 *
 * @internal
 */
export const make = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  format: Format<I>,
  framer: Framer,
  skipEmpty: boolean
): Codec<A, R> => {
  // `ParseResult.decodeUnknown` answers an `Either` whenever the schema is synchronous,
  // so the per-message Effect is paid only by schemas that need one
  const parse = ParseResult.decodeUnknown(schema)
  const unparse = ParseResult.encodeUnknown(schema)

  const decodeFrame = (frame: Uint8Array): Step<A, MessageDecodeError, R> => {
    if (skipEmpty && frame.length === 0) return undefined
    const value = format.read(frame)
    if (value instanceof MessageDecodeError) return Either.left(value)
    let parsed: ReturnType<typeof parse>
    try {
      parsed = parse(value)
    } catch (cause) {
      return Either.left(new MessageDecodeError({ reason: "Schema", frame, cause: overflowed(cause) }))
    }
    const done = ran(parsed)
    if (done === undefined) {
      return Effect.mapError(parsed, (issue) => decodeSchemaError(frame, issue)).pipe(
        Effect.catchSomeDefect((cause) =>
          isOverflow(cause) ? Option.some(Effect.fail(new MessageDecodeError({ reason: "Schema", frame, cause }))) : Option.none()
        )
      )
    }
    return Either.isRight(done) ? done as Either.Either<A, never> : Either.left(decodeSchemaError(frame, done.left))
  }

  /** a message to its frame's payload: the schema's encoded side, then the format's bytes */
  const payload = (message: A): Either.Either<Uint8Array, MessageEncodeError> | Effect.Effect<
    Uint8Array,
    MessageEncodeError,
    R
  > => {
    let encoded: ReturnType<typeof unparse>
    try {
      encoded = unparse(message)
    } catch (cause) {
      return Either.left(new MessageEncodeError({ reason: "Schema", cause: overflowed(cause) }))
    }
    const done = ran(encoded)
    if (done === undefined) {
      return Effect.flatMap(
        Effect.mapError(encoded, encodeSchemaError).pipe(
          Effect.catchSomeDefect((cause) =>
            isOverflow(cause) ? Option.some(Effect.fail(new MessageEncodeError({ reason: "Schema", cause }))) : Option.none()
          )
        ),
        write
      )
    }
    return Either.isRight(done) ? write(done.right) : Either.left(encodeSchemaError(done.left))
  }
  const write = (value: I): Either.Either<Uint8Array, MessageEncodeError> => {
    const bytes = format.write(value)
    return bytes instanceof MessageEncodeError ? Either.left(bytes) : Either.right(bytes)
  }
  const encodeMessage = (message: A) => {
    let bytes: ReturnType<typeof payload>
    try {
      bytes = payload(message)
    } catch (cause) {
      // a schema that throws (not a stack overflow) is a bug: a defect of the returned Effect, not a throw here
      return Effect.die(cause)
    }
    return Either.isEither(bytes)
      ? Either.flatMap(bytes, framer.encodeFrame)
      : Effect.flatMap(bytes, framer.encodeFrame)
  }

  return {
    decode: (self) => mapSteps(decodeFrame)(framer.decode(self)),
    // payloads first, then the framer's encoder: the messages of a pull go out in one buffer
    encode: (self) => framer.encode(mapSteps(payload)(self)),
    encodeMessage
  }
}

/**
 * Runs `step` over each element of a pull in a plain loop, one output chunk
 * per pull; only a step that is an Effect interrupts the loop to run it.
 * Outputs before an error are emitted first, so nothing already decoded (or
 * encoded) is lost, and nothing is emitted for the element that failed.
 */
const mapSteps = <I, O, E2, R2>(step: (input: I) => Step<O, E2, R2>) =>
<E, R>(self: Stream.Stream<I, E, R>): Stream.Stream<O, E | E2, R | R2> =>
  Stream.pipeThroughChannel(self, loop<I, O, E, E2, R2>(step))

type Loop<I, O, E, R> = Channel.Channel<Chunk.Chunk<O>, Chunk.Chunk<I>, E, E, unknown, unknown, R>

const loop = <I, O, E, E2, R2>(step: (input: I) => Step<O, E2, R2>): Loop<I, O, E | E2, R2> => {
  const emitThen = (out: Array<O>, next: Loop<I, O, E | E2, R2>): Loop<I, O, E | E2, R2> =>
    out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next)

  const run = (items: ReadonlyArray<I>, start: number): Loop<I, O, E | E2, R2> => {
    const out: Array<O> = []
    for (let i = start; i < items.length; i++) {
      const result = step(items[i]!)
      if (result === undefined) continue
      if (Either.isEither(result)) {
        if (Either.isLeft(result)) return emitThen(out, Channel.fail(result.left))
        out.push(result.right)
        continue
      }
      const rest = Channel.flatMap(
        Channel.fromEffect(result),
        (value) => Channel.zipRight(Channel.write(Chunk.of(value)), Channel.suspend(() => run(items, i + 1)))
      )
      return emitThen(out, rest)
    }
    return emitThen(out, self)
  }

  const self: Loop<I, O, E | E2, R2> = Channel.readWithCause({
    onInput: (input: Chunk.Chunk<I>) => run(Chunk.toReadonlyArray(input), 0),
    onFailure: Channel.failCause,
    onDone: () => Channel.void
  })
  return self
}
