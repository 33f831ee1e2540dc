/**
 * Memory transport scaling: the time per byte to push N bytes through a pipe
 * re-chunked to 1-byte pieces, for 64 KiB and 1 MiB. A linear pipe keeps the
 * ratio near 1; the old `Array.shift` backlog made it grow with N (16x the
 * bytes took ~27x the time per byte).
 *
 *   node --import tsx bench/memory.ts
 *   BENCH_REPS=5 node --import tsx bench/memory.ts
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Transport from "../src/Transport.js"

const KiB = 1024
const REPS = Number(process.env.BENCH_REPS ?? 3)
const WRITE_SIZE = 16 * KiB

/** Seconds to send `total` bytes client -> server (1-byte pieces) and get the server's count back. */
const once = (total: number) =>
  Effect.scoped(Effect.gen(function*() {
    const transport = yield* Transport.makeMemory({ rechunk: Transport.fixedChunks(1) })
    yield* transport.serve((conn) =>
      conn.read.pipe(
        Stream.runFold(0, (n, bytes) => n + bytes.byteLength),
        Effect.flatMap((n) => conn.write(String(n)))
      )
    )
    const conn = yield* transport.connect
    const piece = new Uint8Array(WRITE_SIZE).fill(1)
    const start = performance.now()
    for (let sent = 0; sent < total; sent += WRITE_SIZE) yield* conn.write(piece.subarray(0, Math.min(WRITE_SIZE, total - sent)))
    yield* conn.end
    const reply = yield* conn.read.pipe(
      Stream.runFold("", (text, bytes) => text + Buffer.from(bytes).toString())
    )
    const seconds = (performance.now() - start) / 1000
    if (Number(reply) !== total) throw new Error(`server counted ${reply} bytes, ${total} were sent`)
    return seconds
  }))

/** The best of REPS runs: the least disturbed by GC and the other processes on the machine. */
const best = (total: number) =>
  Effect.map(Effect.replicateEffect(once(total), REPS), (runs) => Math.min(...runs))

const main = Effect.gen(function*() {
  yield* once(64 * KiB) // warm-up
  const small = yield* best(64 * KiB)
  const large = yield* best(1024 * KiB)
  const perByte = (seconds: number, bytes: number) => (seconds / bytes) * 1e9
  console.log(`fixedChunks(1), best of ${REPS}`)
  console.log(`  64 KiB: ${small.toFixed(3)} s  ${perByte(small, 64 * KiB).toFixed(0)} ns/byte`)
  console.log(`   1 MiB: ${large.toFixed(3)} s  ${perByte(large, 1024 * KiB).toFixed(0)} ns/byte`)
  console.log(`  time per byte, 1 MiB / 64 KiB: ${(perByte(large, 1024 * KiB) / perByte(small, 64 * KiB)).toFixed(2)}`)
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exit(1)
})
