/**
 * The Effect servers of the socket benchmark: `@effect/platform`'s
 * NodeSocketServer and effect-net. effect-net is used only through its public
 * modules (src/index.ts), so the benchmark keeps working whatever
 * src/internal becomes. What they serve: see bench/socket-raw.ts.
 */
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import type * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Address, type Connection, Framing, Server } from "../src/index.js"
import { countBytes, type Listening, type ServerVariant } from "./socket-raw.js"

/** Runs `listen` in a scope that stays open for the rest of the process. */
const forever = (listen: (unixPath: string) => Effect.Effect<Listening, unknown, Scope.Scope>): ServerVariant =>
(unixPath) => Effect.runPromise(Effect.flatMap(Scope.make(), (scope) => Scope.extend(listen(unixPath), scope)))

type Codec = <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, unknown, R>

/**
 * What a user of `@effect/platform` writes: the socket's input as a Stream
 * (`run` into a Mailbox), decoded, encoded, each element to the socket's
 * `writer`.
 */
const platformEcho = (decode: Codec, encode: Codec): ServerVariant =>
  forever((unixPath) =>
  Effect.gen(function*() {
    const handler = (socket: Socket.Socket) =>
      Effect.gen(function*() {
        const write = yield* socket.writer
        const input = yield* Mailbox.make<Uint8Array, Socket.SocketError>()
        yield* socket.run((data) => void input.unsafeOffer(data)).pipe(Mailbox.into(input), Effect.forkScoped)
        yield* Mailbox.toStream(input).pipe(decode, encode, Stream.runForEach(write))
      }).pipe(Effect.scoped, Effect.ignore)
    const tcp = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
    const unix = yield* NodeSocketServer.make({ path: unixPath })
    yield* Effect.forkScoped(tcp.run(handler))
    yield* Effect.forkScoped(unix.run(handler))
    return { tcpPort: tcp.address._tag === "TcpAddress" ? tcp.address.port : 0, unixPath }
  }))

/** A straightforward Stream decoder: the backlog re-concatenated per chunk, frames cut off as views. */
const straightforwardDecode: Codec = (self) =>
  self.pipe(
    Stream.mapAccum(Buffer.alloc(0), (pending, chunk): [Buffer, Array<Uint8Array>] => {
      let buf = pending.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([pending, chunk])
      const frames: Array<Uint8Array> = []
      while (buf.length >= 4) {
        const length = buf.readUInt32BE(0)
        if (buf.length < 4 + length) break
        frames.push(buf.subarray(4, 4 + length))
        buf = buf.subarray(4 + length)
      }
      return [buf, frames]
    }),
    Stream.flattenIterables
  )

/** One fresh buffer (header + body) per frame. */
const straightforwardEncode: Codec = (self) =>
  Stream.map(self, (frame) => {
    const out = Buffer.allocUnsafe(4 + frame.length)
    out.writeUInt32BE(frame.length, 0)
    out.set(frame, 4)
    return out
  })

const framer = Framing.lengthPrefixed()

export const platformStraightforward: ServerVariant = platformEcho(straightforwardDecode, straightforwardEncode)

export const platformFramer: ServerVariant = platformEcho(framer.decode, framer.encode)

// --- effect-net -----------------------------------------------------------------

const serveBoth = (handler: (connection: Connection.Connection) => Effect.Effect<unknown, unknown>): ServerVariant =>
  forever((unixPath) =>
    Effect.gen(function*() {
      const tcp = yield* Server.serve(Address.tcp(0), handler, { noDelay: true })
      yield* Server.serve(Address.unix(unixPath), handler)
      return { tcpPort: Address.isTcp(tcp.address) ? tcp.address.port : 0, unixPath }
    })
  )

/** `connection.read -> framer.decode -> framer.encode -> connection.sink` */
export const effectNet: ServerVariant = serveBoth((connection) =>
  connection.read.pipe(framer.decode, framer.encode, Stream.run(connection.sink))
)

/** Bulk receiver over `connection.read`: count until EOF, answer with the count. */
export const effectNetBulk: ServerVariant = serveBoth((connection) =>
  connection.read.pipe(
    Stream.runFold(0, (count, chunk) => count + chunk.length),
    Effect.flatMap((count) => connection.write(countBytes(count)))
  )
)

