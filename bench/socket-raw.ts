/**
 * The raw node:net servers of the socket benchmark (no Effect loaded, so their
 * RSS is node's own). Every server of the benchmark listens on TCP 127.0.0.1
 * (port 0) and on a Unix socket, and serves every connection until the peer
 * ends it: the echo servers answer each 4-byte big-endian length-prefixed frame
 * with the same frame; the bulk receivers count bytes until EOF and answer
 * with the count (8 bytes, big-endian), so the sender knows everything arrived.
 */
import * as Net from "node:net"
import { ConcatDecoder, LinearDecoder } from "./handwritten.js"

/** Where a server listens; `tcpPort` is the one the kernel gave. */
export interface Listening {
  readonly tcpPort: number
  readonly unixPath: string
}

/** Starts listening on 127.0.0.1:0 and `unixPath`, for the rest of the process. */
export type ServerVariant = (unixPath: string) => Promise<Listening>

// --- raw node:net -------------------------------------------------------------

const listenNet = (
  onConnection: (socket: Net.Socket) => void,
  options: Net.ServerOpts = {}
): ServerVariant =>
async (unixPath) => {
  const listen = (where: Net.ListenOptions) =>
    new Promise<Net.Server>((resolve, reject) => {
      const server = Net.createServer(options, onConnection)
      server.once("error", reject)
      server.listen(where, () => resolve(server))
    })
  const tcp = await listen({ host: "127.0.0.1", port: 0 })
  await listen({ path: unixPath })
  return { tcpPort: (tcp.address() as Net.AddressInfo).port, unixPath }
}

const header = (length: number): Buffer => {
  const out = Buffer.allocUnsafe(4)
  out.writeUInt32BE(length, 0)
  return out
}

/** Stop reading while the socket's write buffer is over its high-water mark, as a careful server does. */
const pushBack = (socket: Net.Socket): void => {
  if (socket.writableNeedDrain) {
    socket.pause()
    socket.once("drain", () => socket.resume())
  }
}

interface Decoder {
  push(chunk: Uint8Array): void
}

/** Echo with `decoder`; every frame is written as header + body, all writes of one input chunk corked into one writev. */
const corkedEcho = (makeDecoder: (onFrame: (frame: Uint8Array) => void) => Decoder): ServerVariant =>
  listenNet((socket) => {
    socket.setNoDelay(true)
    const decoder = makeDecoder((frame) => {
      socket.write(header(frame.length))
      socket.write(frame)
    })
    socket.on("data", (chunk: Buffer) => {
      socket.cork()
      decoder.push(chunk)
      socket.uncork()
      pushBack(socket)
    })
    socket.on("end", () => socket.end())
  })

/** The hand-written ceiling: linear decoder, corked writes. */
export const rawCork: ServerVariant = corkedEcho((onFrame) => new LinearDecoder(onFrame))

/** The classic tutorial decoder (Buffer.concat of the backlog per chunk), corked writes. */
export const rawConcat: ServerVariant = corkedEcho((onFrame) => new ConcatDecoder(onFrame))

/** Linear decoder, but each frame is its own `socket.write` of one fresh buffer (header + body), uncorked. */
export const rawWritePerFrame: ServerVariant = listenNet((socket) => {
  socket.setNoDelay(true)
  const decoder = new LinearDecoder((frame) => {
    const out = Buffer.allocUnsafe(4 + frame.length)
    out.writeUInt32BE(frame.length, 0)
    out.set(frame, 4)
    socket.write(out)
  })
  socket.on("data", (chunk: Buffer) => {
    decoder.push(chunk)
    pushBack(socket)
  })
  socket.on("end", () => socket.end())
})

export const countBytes = (count: number): Buffer => {
  const out = Buffer.allocUnsafe(8)
  out.writeBigUInt64BE(BigInt(count), 0)
  return out
}

/** Bulk receiver: count until EOF, answer with the count. */
export const rawBulk: ServerVariant = listenNet((socket) => {
  let count = 0
  socket.on("data", (chunk: Buffer) => {
    count += chunk.length
  })
  socket.on("end", () => socket.end(countBytes(count)))
}, { allowHalfOpen: true })

