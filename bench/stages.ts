/**
 * What each stage of a framed echo costs per Stream pull once warm, with no
 * socket: the connection's own read stream (`polledStream`) handing over
 * `STAGES_PER_PULL` 64 KiB chunks of 4-byte big-endian framed input per pull,
 * drained by a consumer of `Connection.sink`'s shape (bench/PROFILE.md,
 * "After 10").
 *
 *   node --import tsx bench/stages.ts
 *
 * Variants, alternated in each round: `plain` (bench/handwritten.ts's
 * `LinearDecoder`, each frame copied after its header into 64 KiB batch
 * buffers: what decode → encode does, in plain JS), `source` (the read
 * stream alone), `source + k identity` (k `Stream.mapChunks` stages that
 * return their chunk), `decode`, `decode + encode`. With `STAGES_PARK=1`
 * every other pull parks on a `setImmediate`, as a pull that finds nothing
 * received does. Knobs: `STAGES_FRAME` (4096 bytes), `STAGES_PER_PULL` (2),
 * `STAGES_MIB` (256), `STAGES_ROUNDS` (10; the last line gives each
 * variant's median over the second half, the first warming up).
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Framing from "../src/Framing.js"
import { polledStream } from "../src/internal/socket/polledStream.js"
import { LinearDecoder } from "./handwritten.js"
import { Tally, Wire } from "./input.js"
import { median } from "./median.js"
import { drain } from "./variants.js"

const FRAME = Number(process.env.STAGES_FRAME ?? 4096)
const PER_PULL = Number(process.env.STAGES_PER_PULL ?? 2)
const MIB = Number(process.env.STAGES_MIB ?? 256)
const ROUNDS = Number(process.env.STAGES_ROUNDS ?? 10)
const PARK = process.env.STAGES_PARK === "1"
const CHUNK = 64 * 1024
const BATCH = 64 * 1024

const wire = new Wire(FRAME, MIB * 1024 * 1024)
const chunks = wire.cut(wire.frameCount, CHUNK)
const pulls = Math.ceil(chunks.length / PER_PULL)

/** The input, `PER_PULL` chunks a pull; with PARK every other pull waits a `setImmediate` for them. */
const source = (): Stream.Stream<Uint8Array> =>
  polledStream<Uint8Array, never>(() => {
    let next = 0
    let parked = false
    const take = () => next < chunks.length ? Chunk.unsafeFromArray(chunks.slice(next, next += PER_PULL)) : undefined
    return {
      poll: () => (PARK && (parked = !parked)) ? undefined : take(),
      pull: Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<never>>((resume) => {
        setImmediate(() => {
          const chunk = take()
          resume(chunk === undefined ? Effect.fail(Option.none()) : Effect.succeed(chunk))
        })
      })
    }
  })

const framer = Framing.lengthPrefixed()
const identity = <A>(chunk: Chunk.Chunk<A>) => chunk

/** Decode, then copy each frame after its header into 64 KiB batches, a pull at a time. */
const plain = (tally: Tally): Promise<void> => {
  let frames: Array<Uint8Array> = []
  let bytes = 0
  const flush = () => {
    if (bytes === 0) return
    const batch = Buffer.allocUnsafeSlow(bytes)
    let at = 0
    for (const frame of frames) {
      batch.writeUInt32BE(frame.length, at)
      batch.set(frame, at + 4)
      at += 4 + frame.length
    }
    tally.add(batch)
    frames = []
    bytes = 0
  }
  const decoder = new LinearDecoder((frame) => {
    frames.push(frame)
    bytes += 4 + frame.length
    if (bytes >= BATCH) flush()
  })
  let next = 0
  let parked = false
  const pullOnce = () => {
    for (const end = Math.min(next + PER_PULL, chunks.length); next < end;) decoder.push(chunks[next++]!)
    flush()
  }
  return new Promise((resolve) => {
    // as the Effect source: with PARK every other pull waits a `setImmediate`, the others run at once
    const pullAll = (): void => {
      while (next < chunks.length) {
        if (PARK && (parked = !parked)) return void setImmediate(() => {
          pullOnce()
          pullAll()
        })
        pullOnce()
      }
      resolve()
    }
    pullAll()
  })
}

/** What each variant must hand its tally: the input's chunks, its frames, or the batches a correct encoder makes. */
const inputTally = new Tally()
for (const chunk of chunks) inputTally.add(chunk)
const framesTally = wire.expected(wire.frameCount)
const batchesTally = new Tally()
await plain(batchesTally)
if (batchesTally.bytes !== wire.bytes.length) throw new Error(`plain: ${batchesTally} for ${wire.bytes.length} B`)

type Run = (tally: Tally) => Promise<void>
const variants: ReadonlyArray<readonly [string, Run, Tally]> = [
  ["plain", plain, batchesTally],
  ["source", (tally) => drain(source(), tally), inputTally],
  ["source + 1 identity", (tally) => drain(source().pipe(Stream.mapChunks(identity)), tally), inputTally],
  [
    "source + 2 identity",
    (tally) => drain(source().pipe(Stream.mapChunks(identity), Stream.mapChunks(identity)), tally),
    inputTally
  ],
  ["decode", (tally) => drain(source().pipe(framer.decode), tally), framesTally],
  ["decode + encode", (tally) => drain(source().pipe(framer.decode, framer.encode), tally), batchesTally]
]

console.log(
  `${MIB} MiB of ${FRAME} B frames in 64 KiB chunks, ${PER_PULL} a pull (${pulls} pulls)` +
    `${PARK ? ", every other pull parked" : ""}; µs per pull`
)
const warm: Array<Array<number>> = variants.map(() => [])
for (let round = 1; round <= ROUNDS; round++) {
  const row: Array<string> = []
  for (const [index, [name, run, expected]] of variants.entries()) {
    const tally = new Tally()
    const start = process.hrtime.bigint()
    await run(tally)
    const micros = Number(process.hrtime.bigint() - start) / 1000 / pulls
    if (!tally.equals(expected)) throw new Error(`${name}: ${tally}, expected ${expected}`)
    row.push(`${name} ${micros.toFixed(2)}`)
    if (round > ROUNDS / 2) warm[index]!.push(micros)
  }
  console.log(`round ${round}: ${row.join(" · ")}`)
}
console.log(`median of rounds ${Math.floor(ROUNDS / 2) + 1}–${ROUNDS}: ${
  variants.map(([name], index) => `${name} ${median(warm[index]!).toFixed(2)}`).join(" · ")
}`)
