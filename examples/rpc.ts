/**
 * @effect/rpc over effect-net: the server runs on `Server.layerSocketServer`,
 * the client on `Client.layerSocket`, and the messages are framed by
 * `effect-net/rpc`'s serialization — length-prefixed JSON whose text can
 * never be corrupted by where TCP cut it (@effect/rpc's own `layerNdjson`
 * turns a character split across two segments into U+FFFD).
 *
 *   npm run example examples/rpc.ts
 */
import * as Rpc from "@effect/rpc/Rpc"
import * as RpcClient from "@effect/rpc/RpcClient"
import * as RpcGroup from "@effect/rpc/RpcGroup"
import * as RpcServer from "@effect/rpc/RpcServer"
import { NodeRuntime } from "@effect/platform-node"
import * as SocketServer from "@effect/platform/SocketServer"
import { Console, Context, Effect, Layer, Schema, Stream } from "effect"
import { Address, Client, Server } from "effect-net"
import * as NetRpc from "effect-net/rpc"

class Greeter extends RpcGroup.make(
  Rpc.make("Greet", { payload: { name: Schema.String }, success: Schema.String }),
  Rpc.make("Countdown", { payload: { from: Schema.Number }, success: Schema.Number, stream: true })
) {}

const handlers = Greeter.toLayer({
  Greet: ({ name }) => Effect.succeed(`Grüß dich, ${name} 👋`),
  Countdown: ({ from }) => Stream.iterate(from, (n) => n - 1).pipe(Stream.take(from + 1))
})

const address = Address.tcp(0)

const program = Effect.gen(function*() {
  // the server: @effect/rpc's socket protocol on effect-net's SocketServer
  const server = yield* Layer.build(
    RpcServer.layer(Greeter).pipe(
      Layer.provide(handlers),
      Layer.provide(RpcServer.layerProtocolSocketServer),
      Layer.provideMerge(Server.layerSocketServer(address)),
      Layer.provide(NetRpc.layerSerialization({ format: "json" }))
    )
  )
  const bound = Context.get(server, SocketServer.SocketServer).address
  yield* Console.log(`server: @effect/rpc listening on ${Address.format(bound)}`)

  // the client: @effect/rpc's socket protocol on effect-net's Socket
  // built in this scope (not with Effect.provide, whose scope would end with `make`)
  const protocol = yield* Layer.build(
    RpcClient.layerProtocolSocket().pipe(
      Layer.provide(Client.layerSocket(bound)),
      Layer.provide(NetRpc.layerSerialization({ format: "json" }))
    )
  )
  const client = yield* RpcClient.make(Greeter).pipe(Effect.provide(protocol))
  yield* Console.log(`client: Greet -> ${yield* client.Greet({ name: "Zoë" })}`)
  const counted = yield* client.Countdown({ from: 3 }).pipe(Stream.runCollect)
  yield* Console.log(`client: Countdown -> ${[...counted].join(", ")}`)
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
