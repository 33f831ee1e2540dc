/**
 * The load generator of the socket benchmark: a raw `node:net` client in a
 * process of its own (forked by bench/sockets.ts), so that each server's event
 * loop is measured alone, on its own core, and the client costs every server
 * the same. Commands arrive over IPC, one at a time; each answer is a `Measured`.
 *
 * - stream: framed echo with a bounded window of bytes in flight, until
 *   `seconds` have passed and every byte sent has come back;
 * - rr: one frame out, wait for its echo, repeat (request/response);
 * - bulk: `bytes` one way in 64 KiB writes, with backpressure, then EOF; the
 *   receiver answers with its byte count. `via: "effect-net"` sends through
 *   effect-net's `Client.connect` + `Connection.sink` instead of node:net.
 *
 * Every echoed byte is compared with what was sent.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { randomFillSync } from "node:crypto"
import * as Net from "node:net"

/** A TCP port on 127.0.0.1, or a Unix socket path. */
export type Target = { readonly port: number } | { readonly path: string }

export type Command =
  | {
    readonly type: "stream" | "rr"
    readonly target: Target
    readonly size: number
    readonly seconds: number
    /** stream only: most bytes sent and not yet echoed */
    readonly windowBytes: number
  }
  | { readonly type: "bulk"; readonly target: Target; readonly bytes: number; readonly via: "raw" | "effect-net" }

export interface Measured {
  readonly type: "measured"
  /** frames echoed (bulk: 0) */
  readonly frames: number
  /** bytes echoed or delivered */
  readonly bytes: number
  readonly seconds: number
}

const connect = (target: Target): Promise<Net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(target)
    socket.once("error", reject)
    socket.once("connect", () => {
      socket.off("error", reject)
      if ("port" in target) socket.setNoDelay(true)
      resolve(socket)
    })
  })

/** Frames of `size` random bytes, ~64 KiB of them, that the client sends over and over. */
const batchOf = (size: number): Buffer => {
  const wire = size + 4
  const count = Math.max(1, Math.floor(65536 / wire))
  const batch = randomFillSync(Buffer.allocUnsafe(count * wire))
  for (let at = 0; at < batch.length; at += wire) batch.writeUInt32BE(size, at)
  return batch
}

/** Checks that the bytes coming back are the batch repeated. */
class Echo {
  received = 0
  constructor(private readonly batch: Buffer) {}

  check(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      const offset = this.received % this.batch.length
      const count = Math.min(chunk.length - at, this.batch.length - offset)
      if (chunk.compare(this.batch, offset, offset + count, at, at + count) !== 0) {
        throw new Error(`echo differs from what was sent at byte ${this.received}`)
      }
      at += count
      this.received += count
    }
  }
}

const measure = (socket: Net.Socket, run: (done: (frames: number, bytes: number) => void) => void) =>
  new Promise<Measured>((resolve, reject) => {
    const start = performance.now()
    socket.once("error", reject)
    socket.once("close", () => reject(new Error("server closed the connection early")))
    run((frames, bytes) => {
      const seconds = (performance.now() - start) / 1000
      socket.removeAllListeners("close")
      socket.end()
      resolve({ type: "measured", frames, bytes, seconds })
    })
  })

const stream = async (target: Target, size: number, seconds: number, windowBytes: number): Promise<Measured> => {
  const batch = batchOf(size)
  const echo = new Echo(batch)
  const socket = await connect(target)
  return measure(socket, (done) => {
    const deadline = performance.now() + seconds * 1000
    let sent = 0
    let stopping = false
    const pump = () => {
      while (!stopping && !socket.writableNeedDrain && sent - echo.received < windowBytes) {
        socket.write(batch)
        sent += batch.length
      }
    }
    socket.on("drain", pump)
    socket.on("data", (chunk: Buffer) => {
      echo.check(chunk)
      if (!stopping && performance.now() >= deadline) stopping = true
      if (stopping && echo.received === sent) return done(sent / (size + 4), sent)
      pump()
    })
    pump()
  })
}

const requestResponse = async (target: Target, size: number, seconds: number): Promise<Measured> => {
  const request = batchOf(size).subarray(0, size + 4)
  const echo = new Echo(request)
  const socket = await connect(target)
  return measure(socket, (done) => {
    const deadline = performance.now() + seconds * 1000
    let frames = 0
    socket.on("data", (chunk: Buffer) => {
      echo.check(chunk)
      if (echo.received % request.length !== 0) return
      frames++
      if (performance.now() >= deadline) return done(frames, echo.received)
      socket.write(request)
    })
    socket.write(request)
  })
}

const CHUNK = 64 * 1024

const replyCount = (reply: Buffer, bytes: number): void => {
  const count = reply.length === 8 ? Number(reply.readBigUInt64BE(0)) : -1
  if (count !== bytes) throw new Error(`bulk: receiver counted ${count} bytes, ${bytes} were sent`)
}

const bulkRaw = async (target: Target, bytes: number): Promise<Measured> => {
  const chunk = randomFillSync(Buffer.allocUnsafe(CHUNK))
  const start = performance.now()
  const socket = await connect(target)
  const replies: Array<Buffer> = []
  socket.on("data", (data: Buffer) => replies.push(data))
  const ended = new Promise<void>((resolve, reject) => {
    socket.once("end", resolve)
    socket.once("error", reject)
  })
  let sent = 0
  while (sent < bytes) {
    const n = Math.min(CHUNK, bytes - sent)
    sent += n
    if (!socket.write(n === CHUNK ? chunk : chunk.subarray(0, n))) await new Promise((r) => socket.once("drain", r))
  }
  socket.end()
  await ended
  replyCount(Buffer.concat(replies), bytes)
  return { type: "measured", frames: 0, bytes, seconds: (performance.now() - start) / 1000 }
}

/** effect-net imported only here, so the echo driver loads none of it. */
const bulkEffectNet = async (target: Target, bytes: number): Promise<Measured> => {
  const { Address, Client } = await import("../src/index.js")
  const chunk = randomFillSync(Buffer.allocUnsafe(CHUNK))
  const address = "port" in target ? Address.tcp(target.port) : Address.unix(target.path)
  const start = performance.now()
  const reply = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const connection = yield* Client.connect(address, { noDelay: true })
    const full = Math.floor(bytes / CHUNK)
    const rest = bytes - full * CHUNK
    // One 64 KiB chunk per pull, as a file or a producer hands them over.
    const payload = Stream.repeatValue<Uint8Array>(chunk).pipe(
      Stream.take(full),
      Stream.concat(rest > 0 ? Stream.make(chunk.subarray(0, rest)) : Stream.empty)
    )
    yield* Stream.run(payload, connection.sink)
    yield* connection.end
    return yield* Stream.runCollect(connection.read)
  })))
  replyCount(Buffer.concat(Array.from(reply)), bytes)
  return { type: "measured", frames: 0, bytes, seconds: (performance.now() - start) / 1000 }
}

const run = (command: Command): Promise<Measured> => {
  switch (command.type) {
    case "stream":
      return stream(command.target, command.size, command.seconds, command.windowBytes)
    case "rr":
      return requestResponse(command.target, command.size, command.seconds)
    case "bulk":
      return command.via === "raw" ? bulkRaw(command.target, command.bytes) : bulkEffectNet(command.target, command.bytes)
  }
}

const fail = (error: unknown) => {
  process.send!({ type: "error", message: String(error instanceof Error ? error.stack : error) })
}
process.on("message", (command: Command) => {
  run(command).then((measured) => process.send!(measured), fail)
})
// A wrong echo is thrown from inside a 'data' listener: report it, and stop (the socket's state is unknown).
process.on("uncaughtException", (error) => {
  fail(error)
  process.disconnect()
})
process.on("disconnect", () => process.exit(0))
