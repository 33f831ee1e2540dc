/**
 * TLS benchmark: effect-net over TLS (`Server.serve` / `Client.connect` with
 * `tls`) against raw `node:tls` doing the same work, on loopback, in one
 * process, with the same throwaway certificates (made by openssl).
 *
 *   node --import tsx bench/tls.ts
 *   TLS_BULK_MIB=64 TLS_FRAMES=100000 node --import tsx bench/tls.ts     (quicker, rougher)
 *
 * - bulk: the client sends TLS_BULK_MIB (default 256) MiB in 64 KiB writes,
 *   the server counts them; timed from the first write to the server's count.
 * - framed echo: TLS_FRAMES (default 500,000) 64-byte frames behind a 4-byte
 *   length, sent in pre-encoded batches of 256 frames by both clients; the
 *   server decodes and re-encodes each frame (effect-net: `read` ->
 *   `decode` -> `encode` -> `sink`; raw: a hand-written frame counter that
 *   echoes the bytes of complete frames), the client decodes the replies;
 *   timed until the last reply.
 *
 * TLS_PLAIN=1 runs the same cases over plain TCP (node:net on both sides,
 * effect-net without `tls`), to tell what TLS costs from what the harness
 * compares (the raw echo server counts frames and echoes bytes; effect-net's
 * decodes and re-encodes every frame, and its client decodes every reply).
 *
 * Each case runs REPS (default 3) times per side after a warm-up; the best
 * run counts. The ratio is effect-net's throughput over raw node:tls's.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Tls from "node:tls"
import * as Address from "../src/Address.js"
import * as Client from "../src/Client.js"
import type { Connection } from "../src/Connection.js"
import * as Framing from "../src/Framing.js"
import * as Server from "../src/Server.js"
import { makeCerts } from "../test/util/certs.js"

const MiB = 1024 * 1024
const BULK_BYTES = Number(process.env.TLS_BULK_MIB ?? 256) * MiB
const FRAMES = Number(process.env.TLS_FRAMES ?? 500_000)
const REPS = Number(process.env.TLS_REPS ?? 3)
const BLOCK = new Uint8Array(64 * 1024).fill(0x61)
const FRAME_BODY = 64
const BATCH = 256

const certs = makeCerts()
const PLAIN = process.env.TLS_PLAIN === "1"
const serverTls = { key: certs.server.key, cert: certs.server.cert }
const clientTls = { ca: certs.ca }
// effect-net's options: with `tls`, or (TLS_PLAIN=1) without.
const serveTls = PLAIN ? {} : { tls: serverTls }
const connectTls = PLAIN ? {} : { tls: clientTls }

// One batch of wire bytes: BATCH length-prefixed 64-byte frames.
const batch = Buffer.alloc(BATCH * (4 + FRAME_BODY))
for (let i = 0; i < BATCH; i++) batch.writeUInt32BE(FRAME_BODY, i * (4 + FRAME_BODY))
const batches = Math.ceil(FRAMES / BATCH)
const frameCount = batches * BATCH

// ---------------------------------------------------------------- raw node:tls

const rawServer = (onSocket: (socket: Net.Socket) => void) =>
  new Promise<{ readonly port: number; readonly close: () => void }>((resolve) => {
    const server = PLAIN ? Net.createServer(onSocket) : Tls.createServer(serverTls, onSocket)
    server.listen(0, "127.0.0.1", () =>
      resolve({ port: (server.address() as Net.AddressInfo).port, close: () => server.close() }))
  })

const rawConnect = (port: number) =>
  new Promise<Net.Socket>((resolve) => {
    const socket: Net.Socket = PLAIN
      ? Net.connect({ port, host: "127.0.0.1" }, () => resolve(socket))
      : Tls.connect({ port, host: "127.0.0.1", ...clientTls }, () => resolve(socket))
  })

/** Writes `count` times `chunk`, waiting for 'drain' as a careful node program does. */
const rawWriteAll = (socket: Net.Socket, chunk: Uint8Array, count: number) =>
  new Promise<void>((resolve) => {
    let left = count
    const go = () => {
      while (left > 0) {
        left--
        if (!socket.write(chunk)) return void socket.once("drain", go)
      }
      resolve()
    }
    go()
  })

/** Counts 4-byte-length frames across chunk boundaries (bodies are not copied). */
const frameCounter = () => {
  let need = 4
  let inHeader = true
  let header = 0
  let frames = 0
  return {
    frames: () => frames,
    /** Complete frames in `data`, re-encoded as one buffer for the echo. */
    push: (data: Buffer) => {
      let offset = 0
      while (offset < data.length) {
        const take = Math.min(need, data.length - offset)
        if (inHeader) {
          for (let i = 0; i < take; i++) header = (header << 8) | data[offset + i]!
          need -= take
          if (need === 0) {
            inHeader = false
            need = header
            header = 0
          }
        } else {
          need -= take
        }
        offset += take
        if (!inHeader && need === 0) {
          frames++
          inHeader = true
          need = 4
        }
      }
    }
  }
}

const rawBulk = async () => {
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => (done = resolve))
  const server = await rawServer((socket) => {
    let got = 0
    socket.on("data", (d: Buffer) => {
      got += d.length
      if (got >= BULK_BYTES) done()
    })
  })
  const socket = await rawConnect(server.port)
  const start = performance.now()
  await rawWriteAll(socket, BLOCK, BULK_BYTES / BLOCK.length)
  await finished
  const ms = performance.now() - start
  socket.destroy()
  server.close()
  return ms
}

const rawEcho = async () => {
  const server = await rawServer((socket) => {
    // Echo whole frames as they arrive: the bytes of every complete frame go back in one write.
    const counter = frameCounter()
    let pending: Array<Buffer> = []
    socket.on("data", (d: Buffer) => {
      const before = counter.frames()
      counter.push(d)
      pending.push(d)
      if (counter.frames() > before) {
        socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending))
        pending = []
      }
    })
  })
  const socket = await rawConnect(server.port)
  const counter = frameCounter()
  const finished = new Promise<void>((resolve) =>
    socket.on("data", (d: Buffer) => {
      counter.push(d)
      if (counter.frames() >= frameCount) resolve()
    })
  )
  const start = performance.now()
  await rawWriteAll(socket, batch, batches)
  await finished
  const ms = performance.now() - start
  socket.destroy()
  server.close()
  return ms
}

// ---------------------------------------------------------------- effect-net

const framer = Framing.lengthPrefixed()

const effectBulk = Effect.scoped(Effect.gen(function*() {
  const total = yield* Deferred.make<void>()
  const server = yield* Server.serve(Address.tcp(0), (conn: Connection) =>
    Effect.gen(function*() {
      let got = 0
      yield* conn.read.pipe(
        Stream.runForEachChunk((chunk) =>
          Effect.suspend(() => {
            for (const bytes of chunk) got += bytes.byteLength
            return got >= BULK_BYTES ? Deferred.succeed(total, undefined) : Effect.void
          })
        )
      )
    }), { ...serveTls, closeTimeout: "10 millis", shutdownGracePeriod: "10 millis" })
  const conn = yield* Client.connect(server.address, { ...connectTls, closeTimeout: "10 millis" })
  const start = performance.now()
  const write = conn.write(BLOCK)
  yield* Effect.repeatN(write, BULK_BYTES / BLOCK.length - 1)
  yield* Deferred.await(total)
  return performance.now() - start
}))

const effectEcho = Effect.scoped(Effect.gen(function*() {
  const server = yield* Server.serve(Address.tcp(0), (conn: Connection) =>
    conn.read.pipe(framer.decode, framer.encode, Stream.run(conn.sink)), {
    ...serveTls,
    closeTimeout: "10 millis",
    shutdownGracePeriod: "10 millis"
  })
  const conn = yield* Client.connect(server.address, { ...connectTls, closeTimeout: "10 millis" })
  const start = performance.now()
  const replies = yield* Effect.fork(conn.read.pipe(
    framer.decode,
    Stream.chunks,
    Stream.scan(0, (n, chunk) => n + chunk.length),
    Stream.takeUntil((n) => n >= frameCount),
    Stream.runDrain
  ))
  // The same pre-encoded batches as the raw client: what differs is the server and the client's decoding.
  yield* Effect.repeatN(conn.write(batch), batches - 1)
  yield* replies.await
  return performance.now() - start
}))

// ---------------------------------------------------------------- runner

const best = async (run: () => Promise<number>) => {
  await run()
  let min = Number.POSITIVE_INFINITY
  for (let i = 0; i < REPS; i++) min = Math.min(min, await run())
  return min
}

const main = async () => {
  console.log(`${PLAIN ? "Plain TCP (TLS_PLAIN=1)" : "TLS"} on loopback, node ${process.version}, best of ${REPS} after a warm-up`)
  const rows: Array<[string, string, number, number]> = []
  const bulkRaw = await best(rawBulk)
  const bulkEffect = await best(() => Effect.runPromise(effectBulk))
  const mib = BULK_BYTES / MiB
  rows.push([`bulk ${mib} MiB one way`, "MiB/s", mib / (bulkRaw / 1000), mib / (bulkEffect / 1000)])
  const echoRaw = await best(rawEcho)
  const echoEffect = await best(() => Effect.runPromise(effectEcho))
  rows.push([
    `framed echo ${frameCount} x 64 B`,
    "kframes/s",
    frameCount / echoRaw,
    frameCount / echoEffect
  ])
  console.log("| case | unit | raw node:tls | effect-net | ratio |")
  console.log("|---|---|---:|---:|---:|")
  for (const [name, unit, raw, effect] of rows) {
    console.log(`| ${name} | ${unit} | ${raw.toFixed(0)} | ${effect.toFixed(0)} | ${(effect / raw).toFixed(2)}x |`)
  }
}

main().finally(() => certs.remove())
