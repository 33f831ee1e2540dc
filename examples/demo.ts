/**
 * The demo: a line protocol and a length-prefixed protocol decoded from bytes
 * that arrive cut at awkward places, as TCP delivers them.
 *
 *   npm run demo
 */
import { Chunk, Console, Effect, Either, Stream } from "effect"
import { Framing, Utf8 } from "../src/index.js"

const encoder = new TextEncoder()

/** cut `bytes` into pieces of the given sizes, cycling */
const fragment = (bytes: Uint8Array, sizes: ReadonlyArray<number>): Array<Uint8Array> => {
  const pieces: Array<Uint8Array> = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!
    pieces.push(bytes.subarray(at, at + size))
    at += size
  }
  return pieces
}

const lines = Effect.gen(function*() {
  const wire = encoder.encode("GET /motd\r\nλ → ünïcödé 🚀\nbye\n")
  const got = yield* Stream.fromIterable(fragment(wire, [3, 1, 7])).pipe(
    Framing.lines().decode,
    Utf8.decodeFrames,
    Stream.runCollect
  )
  yield* Console.log("lines:", Chunk.toReadonlyArray(got))
})

const lengthPrefixed = Effect.gen(function*() {
  const framer = Framing.lengthPrefixed({ lengthFieldLength: 2 })
  const wire = yield* Stream.make("hello", "", "world").pipe(Utf8.encode, framer.encode, Stream.runCollect)
  const bytes = Uint8Array.from(Chunk.toReadonlyArray(wire).flatMap((chunk) => [...chunk]))
  const frames = yield* Stream.fromIterable(fragment(bytes, [1])).pipe(framer.decode, Utf8.decodeFrames, Stream.runCollect)
  yield* Console.log("length-prefixed, one byte at a time:", Chunk.toReadonlyArray(frames))

  // the same stream with its last byte missing: a typed error, after the complete frames
  const truncated = yield* Stream.make(bytes.subarray(0, bytes.length - 1)).pipe(
    framer.decode,
    Utf8.decodeFrames,
    Stream.runCollect,
    Effect.either
  )
  if (Either.isLeft(truncated)) yield* Console.log("truncated:", truncated.left.message)
})

const invalidUtf8 = Effect.gen(function*() {
  const result = yield* Stream.make(encoder.encode("ok "), new Uint8Array([0xe2, 0x82]), new Uint8Array([0x41])).pipe(
    Utf8.decode,
    Stream.runCollect,
    Effect.either
  )
  if (Either.isLeft(result)) yield* Console.log("invalid UTF-8:", result.left.message)
})

Effect.runPromise(Effect.all([lines, lengthPrefixed, invalidUtf8], { discard: true }))
