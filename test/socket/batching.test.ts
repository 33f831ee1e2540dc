/**
 * A write of several pieces (a Stream chunk through `sink`) goes to the
 * kernel as one batch: these check what batching must not change — the
 * order of concurrent writes, `drain` backpressure when one batch is larger
 * than Node's high-water mark, and every byte reaching a slow reader in order.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Connection } from "../../src/Connection.js"
import { mib } from "../peers/support.js"
import { transports } from "./transports.js"

/** The byte at offset `o` of a pattern that no shifted or reordered copy of itself matches. */
const patternByte = (o: number): number => (o * 7 + (o >>> 11)) & 255

const patterned = (offset: number, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = patternByte(offset + i)
  return out
}

/** Piece sizes of one chunk: runs of small pieces (coalesced) around large ones (written as they are). */
const chunkShape = [...Array(100).fill(64), 64 * 1024, 64 * 1024, ...Array(10).fill(700), 64 * 1024, 64 * 1024, 3]
const chunkBytes = chunkShape.reduce((a, b) => a + b, 0)

/** `count` chunks of `chunkShape`, the pattern running on across pieces and chunks. */
const patternedChunks = (count: number): Stream.Stream<Uint8Array> =>
  Stream.range(0, count - 1).pipe(
    Stream.mapChunks(Chunk.flatMap((index) => {
      let offset = index * chunkBytes
      return Chunk.unsafeFromArray(chunkShape.map((size) => {
        const piece = patterned(offset, size)
        offset += size
        return piece
      }))
    })),
    Stream.rechunk(chunkShape.length)
  )

describe.each(transports)("batched writes over $name", (t) => {
  it.scopedLive("concurrent writes and sinks: each writer's bytes in its order, each sink chunk contiguous", () =>
    Effect.gen(function*() {
      const writers = 40
      const piecesPerWrite = 5
      const handler = (conn: Connection) =>
        Effect.gen(function*() {
          yield* Effect.forEach(Array.from({ length: writers }, (_, i) => i), (i) => {
            const pieces = Array.from({ length: piecesPerWrite }, (_, k) => Uint8Array.of(i, k, i, k))
            // Even writers go through sink (one batch of five pieces), odd ones write one by one.
            return i % 2 === 0
              ? Stream.run(Stream.fromChunk(Chunk.unsafeFromArray(pieces)), conn.sink)
              : Effect.forEach(pieces, (piece) => conn.write(piece), { discard: true })
          }, { concurrency: "unbounded", discard: true })
          yield* conn.end
        })
      const transport = yield* t.make()
      const server = yield* transport.serve(handler)
      const peer = yield* t.rawConnect(server.address)
      const { data } = yield* peer.ended
      expect(data.length).toBe(writers * piecesPerWrite * 4)
      const seen: Array<readonly [number, number]> = []
      for (let o = 0; o < data.length; o += 4) seen.push([data[o]!, data[o + 1]!])
      // Every piece arrives once, each writer's in the order it wrote them.
      for (let i = 0; i < writers; i++) {
        expect(seen.filter(([w]) => w === i).map(([, k]) => k)).toEqual([0, 1, 2, 3, 4])
      }
      // A sink's chunk is one batch: nothing comes between its pieces.
      for (let i = 0; i < writers; i += 2) {
        const first = seen.findIndex(([w]) => w === i)
        expect(seen.slice(first, first + piecesPerWrite).every(([w]) => w === i)).toBe(true)
      }
    }))

  it.scopedLive("a batch larger than the high-water mark waits for drain; a slow reader gets every byte in order", () =>
    Effect.gen(function*() {
      const chunks = 128 // ~33 MiB
      let produced = 0
      const handler = (conn: Connection) =>
        patternedChunks(chunks).pipe(
          Stream.tap((piece) => Effect.sync(() => (produced += piece.byteLength))),
          Stream.run(conn.sink),
          Effect.zipRight(conn.end)
        )
      const transport = yield* t.make()
      const server = yield* transport.serve(handler)
      const peer = yield* t.rawConnect(server.address)
      peer.socket.pause()
      yield* Effect.sleep("300 millis")
      const stalledAt = produced
      yield* Effect.sleep("200 millis")
      // Without drain the whole stream would be handed to Node at once.
      expect(produced).toBe(stalledAt)
      expect(stalledAt).toBeLessThan(16 * mib)
      // Read in sips: 5 ms on, 5 ms off, bounded.
      const sipping = setInterval(() => peer.socket.isPaused() ? peer.socket.resume() : peer.socket.pause(), 5)
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sipping)))
      const { data, error } = yield* peer.ended.pipe(Effect.timeout("20 seconds"))
      clearInterval(sipping)
      expect(error).toBeUndefined()
      expect(data.length).toBe(chunks * chunkBytes)
      let firstWrong = -1
      for (let o = 0; o < data.length; o++) {
        if (data[o] !== patternByte(o)) {
          firstWrong = o
          break
        }
      }
      expect(firstWrong).toBe(-1)
    }), 30_000)
})
