import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Rpc from "@effect/rpc/Rpc"
import * as RpcClient from "@effect/rpc/RpcClient"
import * as RpcGroup from "@effect/rpc/RpcGroup"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as RpcServer from "@effect/rpc/RpcServer"
import * as SocketServer from "@effect/platform/SocketServer"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Server from "../../src/Server.js"
import * as NetRpc from "../../src/rpc.js"
import { rawConnect, sendUntilClosed, tempDir } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"

/** A loopback port nothing listens on now (the client layer needs the address before the server binds). */
const freePort = Effect.async<number>((resume) => {
  const probe = Net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as Net.AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

const certs = makeCerts()
afterAll(() => certs.remove())

// The point of the platform interop: @effect/rpc runs over effect-net's sockets unchanged.
class Api extends RpcGroup.make(
  Rpc.make("Hello", { success: Schema.String, payload: { n: Schema.Number } }),
  Rpc.make("Count", { success: Schema.Number, payload: { upTo: Schema.Number }, stream: true })
) {}

/** An RPC server on `address`, in its own scope so a test can stop and restart it. */
const startServer = (address: Address.Address, tag: string, options: Server.ServeOptions = {}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const handlers = Api.toLayer({
      Hello: ({ n }) => Effect.succeed(`${tag}:${n}`),
      Count: ({ upTo }) => Stream.range(1, upTo)
    })
    const layer = RpcServer.layer(Api).pipe(
      Layer.provide(handlers),
      Layer.provide(RpcServer.layerProtocolSocketServer),
      Layer.provide(Server.layerSocketServer(address, { shutdownGracePeriod: "200 millis", ...options })),
      Layer.provide(RpcSerialization.layerNdjson)
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    return { scope, context }
  })

const client = (address: Address.Address, options?: Client.ConnectOptions) =>
  Effect.gen(function*() {
    const protocol = yield* Layer.build(
      RpcClient.layerProtocolSocket({ retryTransientErrors: true }).pipe(
        Layer.provide(Client.layerSocket(address, options)),
        Layer.provide(RpcSerialization.layerNdjson)
      )
    )
    return yield* RpcClient.make(Api).pipe(Effect.provide(protocol))
  })

describe("@effect/rpc over effect-net", () => {
  it.scopedLive("a unary and a streaming call over Unix-socket Server.layerSocketServer / Client.layerSocket", () =>
    Effect.gen(function*() {
      const address = Address.unix(Path.join(yield* tempDir, "rpc.sock"))
      const server = yield* startServer(address, "one")
      const rpc = yield* client(address)
      expect(yield* rpc.Hello({ n: 1 }).pipe(Effect.timeout("5 seconds"))).toBe("one:1")
      const counted = yield* rpc.Count({ upTo: 1000 }).pipe(Stream.runCollect, Effect.timeout("5 seconds"))
      expect(Chunk.toReadonlyArray(counted)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
      yield* Scope.close(server.scope, Exit.void)
    }))

  it.scopedLive("a unary and a streaming call over TLS: the same layers with tls options, mutual TLS", () =>
    Effect.gen(function*() {
      const address = Address.tcp(yield* freePort)
      const server = yield* startServer(address, "tls", {
        tls: { key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true }
      })
      const rpc = yield* client(address, {
        tls: { ca: certs.ca, key: certs.client.key, cert: certs.client.cert }
      })
      expect(yield* rpc.Hello({ n: 3 }).pipe(Effect.timeout("5 seconds"))).toBe("tls:3")
      const counted = yield* rpc.Count({ upTo: 1000 }).pipe(Stream.runCollect, Effect.timeout("5 seconds"))
      expect(Chunk.toReadonlyArray(counted)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
      yield* Scope.close(server.scope, Exit.void)
    }))

  it.scopedLive("the client reconnects after the server restarts on the same path", () =>
    Effect.gen(function*() {
      const address = Address.unix(Path.join(yield* tempDir, "rpc.sock"))
      const first = yield* startServer(address, "one")
      const rpc = yield* client(address)
      expect(yield* rpc.Hello({ n: 1 }).pipe(Effect.timeout("5 seconds"))).toBe("one:1")
      yield* Scope.close(first.scope, Exit.void)
      const second = yield* startServer(address, "two")
      const reply = yield* rpc.Hello({ n: 2 }).pipe(
        Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.compose(Schedule.recurs(50)))),
        Effect.timeout("10 seconds")
      )
      expect(reply).toBe("two:2")
      yield* Scope.close(second.scope, Exit.void)
    }), 30_000)

  it.scopedLive("a bad frame: the server's CloseEvent closes the connection, even when the peer keeps sending", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        RpcServer.layer(Api).pipe(
          Layer.provide(Api.toLayer({ Hello: ({ n }) => Effect.succeed(`hi:${n}`), Count: ({ upTo }) => Stream.range(1, upTo) })),
          Layer.provide(RpcServer.layerProtocolSocketServer),
          Layer.provideMerge(Server.layerSocketServer(Address.tcp(0))),
          Layer.provide(NetRpc.layerSerialization({ format: "json" }))
        )
      )
      const address = (yield* Effect.provide(SocketServer.SocketServer, context)).address as SocketServer.TcpAddress
      const peer = yield* rawConnect(Address.tcp(address.port, address.hostname))
      // a length-prefixed frame that is not JSON
      peer.socket.write(Buffer.concat([Buffer.of(0, 0, 0, 5), Buffer.from("{nope")]))
      expect(yield* sendUntilClosed(peer)).toBe(true)
    }), 30_000)

  it.scopedLive("a stream nobody reads yet holds up no other call, and is whole when read", () =>
    Effect.gen(function*() {
      const address = Address.unix(Path.join(yield* tempDir, "rpc.sock"))
      const server = yield* startServer(address, "one")
      const rpc = yield* client(address)
      expect(yield* rpc.Hello({ n: 0 }).pipe(Effect.timeout("5 seconds"))).toBe("one:0")
      // its reply comes as one chunk of 1000 values, more than the client's mailbox takes before it is read
      const counted = yield* rpc.Count({ upTo: 1000 }, { asMailbox: true })
      yield* Effect.sleep("200 millis")
      expect(yield* rpc.Hello({ n: 1 }).pipe(Effect.timeout("5 seconds"))).toBe("one:1")
      const values = yield* Stream.runCollect(Mailbox.toStream(counted)).pipe(Effect.timeout("5 seconds"))
      expect(Chunk.toReadonlyArray(values)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
      yield* Scope.close(server.scope, Exit.void)
    }), 30_000)
})
