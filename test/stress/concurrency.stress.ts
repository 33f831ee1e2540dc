import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Address, Client, type Connection, Framing, Server } from "../../src/index.js"
import { fdCount, memory, mib, prng, quiet, randomBytes, summary } from "./support.js"

const connections = 1_000
const messagesPerConnection = 100
const maxMessage = 1_024

const framer = Framing.lengthPrefixed()

/** Decodes frames and re-encodes them: the framer is on both ends of every byte. */
const frameEcho = (conn: Connection.Connection) =>
  conn.read.pipe(framer.decode, framer.encode, Stream.run(conn.sink))

const messagesOf = (index: number) => {
  const random = prng(index + 1)
  return Array.from({ length: messagesPerConnection }, () => randomBytes(random, (random() * maxMessage) | 0))
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)

describe("stress: concurrency", () => {
  it.scopedLive(`${connections} concurrent connections x ${messagesPerConnection} framed messages`, () =>
    quiet(Effect.gen(function*() {
      const fdLimit = fdCount()
      const server = yield* Server.serve(Address.tcp(0), frameEcho, { backlog: 2_048 })
      let peakRss = memory().rss
      let peakOpen = 0
      let open = 0
      let intact = 0
      let bytes = 0
      const start = performance.now()

      const one = (index: number) =>
        Effect.scoped(Effect.gen(function*() {
          const sent = messagesOf(index)
          const conn = yield* Client.connect(server.address)
          open++
          peakOpen = Math.max(peakOpen, open)
          const writer = Stream.fromIterable(sent).pipe(framer.encode, Stream.run(conn.sink), Effect.zipRight(conn.end))
          const [, got] = yield* Effect.all([writer, Stream.runCollect(framer.decode(conn.read))], {
            concurrency: 2
          })
          open--
          const frames = Chunk.toReadonlyArray(got)
          expect(frames.length).toBe(sent.length)
          // In order and intact: frame i is message i, byte for byte.
          for (let i = 0; i < sent.length; i++) {
            if (!sameBytes(frames[i]!, sent[i]!)) expect.fail(`connection ${index}: message ${i} differs`)
            bytes += sent[i]!.length
          }
          intact += frames.length
          if ((index & 63) === 0) peakRss = Math.max(peakRss, memory().rss)
        }))

      yield* Effect.forEach(Array.from({ length: connections }, (_, i) => i), one, {
        concurrency: "unbounded",
        discard: true
      })
      const seconds = (performance.now() - start) / 1000
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
      yield* summary("concurrency", {
        connections,
        peakConcurrentlyOpen: peakOpen,
        messages: intact,
        payloadMiB: (bytes / mib).toFixed(1),
        seconds: seconds.toFixed(1),
        peakRssMiB: (peakRss / mib).toFixed(0),
        fdsAtStart: fdLimit
      })
      expect(intact).toBe(connections * messagesPerConnection)
      // Most connections must have been open at once, or this is not testing concurrency.
      expect(peakOpen).toBeGreaterThan(connections / 2)
    })), 120_000)
})
