import * as SocketServer from "@effect/platform/SocketServer"
import * as Rpc from "@effect/rpc/Rpc"
import * as RpcClient from "@effect/rpc/RpcClient"
import * as RpcGroup from "@effect/rpc/RpcGroup"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as RpcServer from "@effect/rpc/RpcServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Net from "node:net"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Framing from "../../src/Framing.js"
import * as Message from "../../src/Message.js"
import * as NetRpc from "../../src/rpc.js"
import * as Server from "../../src/Server.js"
import { concat, cutAt, cutPoints, int32 } from "../util/bytes.js"
import { tricky, utf8 } from "./support.js"

const formats = ["json", "msgpack"] as const

const varint = (maxFrameLength: number): Framing.Framer => Framing.varint({ maxFrameLength })

const message = fc.record({
  _tag: fc.constant("Request"),
  id: fc.nat().map(String),
  payload: fc.record({ text: fc.array(fc.constantFrom(...tricky)).map((xs) => xs.join("")), n: fc.integer() })
})

/** Everything a parser returns and throws for these chunks, in order. */
const feed = (parser: RpcSerialization.Parser, chunks: ReadonlyArray<Uint8Array>) => {
  const got: Array<unknown> = []
  for (const chunk of chunks) {
    try {
      got.push(...parser.decode(chunk))
    } catch (error) {
      got.push({ thrown: error })
    }
  }
  return got
}

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

describe("effect-net/rpc parser", () => {
  for (const format of formats) {
    for (const [name, framer] of [["lengthPrefixed", undefined], ["varint", varint(1024)]] as const) {
      it.prop(`${format} over ${name}: messages cut anywhere come out whole, in order`, [fc.array(message, { maxLength: 5 }), cutPoints], ([sent, cut]) => {
        const serialization = NetRpc.make({ format, framer })
        const writer = serialization.unsafeMake()
        const wire = concat(sent.map((m) => writer.encode(m) as Uint8Array))
        expect(feed(serialization.unsafeMake(), cutAt(wire, cut))).toEqual(sent)
      })
    }
  }

  it("is framed, with its own content types", () => {
    expect(NetRpc.make({ format: "json" })).toMatchObject({ includesFraming: true, contentType: "application/x-effect-net-json" })
    expect(NetRpc.make({ format: "msgpack" })).toMatchObject({ contentType: "application/x-effect-net-msgpack" })
    const bytes = NetRpc.make({ format: "json" }).unsafeMake().encode({ a: "é" }) as Uint8Array
    expect(Array.from(bytes)).toEqual([...int32(10), ...utf8("{\"a\":\"é\"}")])
  })

  it("an invalid message: the ones before it are returned, the next call throws RpcDecodeError once, later input is dropped", () => {
    const parser = NetRpc.make({ format: "json" }).unsafeMake()
    const frame = (text: string) => concat([int32(utf8(text).length), utf8(text)])
    const chunk = concat([frame("{\"n\":1}"), frame("{\"n\":2}"), frame("{nope"), frame("{\"n\":3}")])
    expect(parser.decode(chunk)).toEqual([{ n: 1 }, { n: 2 }])
    const error = thrown(() => parser.decode(frame("{\"n\":4}")))
    expect(error).toBeInstanceOf(NetRpc.RpcDecodeError)
    // the tag @effect/rpc's server closes a connection on
    expect(error).toMatchObject({ _tag: "RpcSerializationError", reason: "Decode" })
    expect((error as NetRpc.RpcDecodeError).cause).toBeInstanceOf(Message.MessageDecodeError)
    expect((error as Error).message).toMatch(/is not valid JSON/)
    expect(parser.decode(frame("{\"n\":5}"))).toEqual([])
  })

  it("a framing error other than an oversized frame is an RpcDecodeError carrying it", () => {
    const parser = NetRpc.make({ format: "json", framer: varint(1024) }).unsafeMake()
    const error = thrown(() => parser.decode(new Uint8Array(11).fill(0xff)))
    expect(error).toMatchObject({ _tag: "RpcSerializationError", reason: "Decode" })
    expect((error as NetRpc.RpcDecodeError).cause).toBeInstanceOf(Framing.MalformedFrameError)
  })

  it("an invalid first message throws at once (InvalidUtf8 and InvalidMsgPack)", () => {
    const json = NetRpc.make({ format: "json" }).unsafeMake()
    expect(() => json.decode(concat([int32(1), Uint8Array.of(0xff)]))).toThrow(/is not valid UTF-8/)
    const msgpack = NetRpc.make({ format: "msgpack" }).unsafeMake()
    expect(() => msgpack.decode(concat([int32(2), Uint8Array.of(0x92, 0x01)]))).toThrow(NetRpc.RpcDecodeError)
  })

  it("an oversized message fails on its header, as @effect/rpc's RpcSerializationError (its server then closes)", () => {
    const parser = NetRpc.make({ format: "json", framer: varint(16) }).unsafeMake()
    const header = Uint8Array.of(0x80, 0x80, 0x04) // 65536
    const error = thrown(() => parser.decode(header))
    expect(error).toBeInstanceOf(RpcSerialization.RpcSerializationError)
    expect(error).toMatchObject({ reason: "BufferSizeExceeded", maxBufferSize: 16, bufferSize: 65536 })
    // the default framer: 8 MiB, refused on the 4-byte header alone
    const byDefault = NetRpc.make({ format: "msgpack" }).unsafeMake()
    expect(() => byDefault.decode(int32(Framing.defaultMaxFrameLength + 1))).toThrow(RpcSerialization.RpcSerializationError)
  })

  it("encoding throws MessageEncodeError or the framer's FrameTooLargeError", () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => NetRpc.make({ format: "json" }).unsafeMake().encode(cycle)).toThrow(Message.MessageEncodeError)
    expect(() => NetRpc.make({ format: "json" }).unsafeMake().encode(1n)).toThrow(Message.MessageEncodeError)
    const small = NetRpc.make({ format: "msgpack", framer: varint(16) }).unsafeMake()
    expect(() => small.encode("x".repeat(32))).toThrow(Framing.FrameTooLargeError)
  })

  it("any framer serves the parser: JSON over lines, cut into single bytes", () => {
    const parser = NetRpc.make({ format: "json", framer: Framing.lines() }).unsafeMake()
    const wire = concat([parser.encode({ id: "1", text: "a\nb ✓" }) as Uint8Array, parser.encode({ id: "2" }) as Uint8Array])
    expect(feed(parser, cutAt(wire, "bytewise"))).toEqual([{ id: "1", text: "a\nb ✓" }, { id: "2" }])
  })
})

// ---- end to end: @effect/rpc over Server.layerSocketServer / Client.layerSocket, through a peer that cuts every byte apart

class Api extends RpcGroup.make(
  Rpc.make("Echo", { success: Schema.String, payload: { text: Schema.String } })
) {}

/**
 * A TCP proxy on 127.0.0.1 that forwards each byte in a write of its own,
 * yielding to the event loop between bytes, so the reader (in this process)
 * gets them one segment at a time: every multi-byte character is split.
 */
const bytewiseProxy = (target: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const sockets = new Set<Net.Socket>()
      const pipe = (from: Net.Socket, to: Net.Socket) => {
        let queue = Promise.resolve()
        from.on("data", (chunk) => {
          queue = queue.then(async () => {
            for (const byte of chunk) {
              if (to.destroyed) return
              to.write(Uint8Array.of(byte))
              await new Promise((r) => setImmediate(r))
            }
          })
        })
        from.on("close", () => void queue.then(() => to.destroy()))
        from.on("error", () => to.destroy())
      }
      const server = Net.createServer((inbound) => {
        const outbound = Net.connect({ host: "127.0.0.1", port: target, noDelay: true })
        inbound.setNoDelay(true)
        for (const socket of [inbound, outbound]) {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
        }
        pipe(inbound, outbound)
        pipe(outbound, inbound)
      })
      server.on("close", () => sockets.forEach((socket) => socket.destroy()))
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.emit("close")
      })
  )

const echoThroughProxy = (serialization: Layer.Layer<RpcSerialization.RpcSerialization>, text: string) =>
  Effect.gen(function*() {
    const server = yield* Layer.build(
      RpcServer.layer(Api).pipe(
        Layer.provide(Api.toLayer({ Echo: ({ text }) => Effect.succeed(text) })),
        Layer.provide(RpcServer.layerProtocolSocketServer),
        Layer.provideMerge(Server.layerSocketServer(Address.tcp(0), { shutdownGracePeriod: "200 millis" })),
        Layer.provide(serialization)
      )
    )
    const bound = SocketServer.SocketServer.pipe(Effect.provide(server))
    const port = ((yield* bound).address as Address.TcpAddress).port
    const proxy = yield* bytewiseProxy(port)
    const protocol = yield* Layer.build(
      RpcClient.layerProtocolSocket().pipe(
        Layer.provide(Client.layerSocket(Address.tcp((proxy.address() as Net.AddressInfo).port))),
        Layer.provide(serialization)
      )
    )
    const rpc = yield* RpcClient.make(Api).pipe(Effect.provide(protocol))
    return yield* rpc.Echo({ text }).pipe(Effect.timeout("20 seconds"))
  })

describe("@effect/rpc over effect-net, every byte in its own TCP segment", () => {
  const text = "é中😀𝄞ß€".repeat(6)

  for (const format of formats) {
    it.scopedLive(`layerSerialization({ format: "${format}" }) delivers multi-byte text intact`, () =>
      Effect.gen(function*() {
        expect(yield* echoThroughProxy(NetRpc.layerSerialization({ format }), text)).toBe(text)
      }), 30_000)
  }

  it.scopedLive("@effect/rpc's own layerNdjson corrupts the same text", () =>
    Effect.gen(function*() {
      const reply = yield* echoThroughProxy(RpcSerialization.layerNdjson, text)
      expect(reply).not.toBe(text)
      expect(reply).toContain("\uFFFD")
    }), 30_000)
})

// ---- a bad frame from a raw TCP peer: the server closes the connection instead of answering every later chunk

/** What a raw peer got back after writing `chunks` (a pause between them): bytes, and whether the server ended. */
const rawPeer = (port: number, chunks: ReadonlyArray<Uint8Array>) =>
  Effect.async<{ readonly received: Buffer; readonly ended: boolean }>((resume) => {
    const socket = Net.connect({ port, host: "127.0.0.1" })
    const received: Array<Buffer> = []
    let done = false
    const finish = (ended: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed({ received: Buffer.concat(received), ended }))
    }
    const timer = setTimeout(() => finish(false), 3000)
    socket.on("data", (data) => received.push(data))
    socket.on("end", () => finish(true))
    socket.on("error", () => finish(true))
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        if (done) return
        socket.write(chunk)
        await new Promise((r) => setTimeout(r, 50))
      }
    })
  })

const frames = (received: Buffer): Array<string> => {
  const out: Array<string> = []
  for (let at = 0; at + 4 <= received.length; at += 4 + received.readUInt32BE(at)) {
    out.push(received.subarray(at + 4, at + 4 + received.readUInt32BE(at)).toString())
  }
  return out
}

const echoServerPort = Effect.gen(function*() {
  const server = yield* Layer.build(
    RpcServer.layer(Api).pipe(
      Layer.provide(Api.toLayer({ Echo: ({ text }) => Effect.succeed(text) })),
      Layer.provide(RpcServer.layerProtocolSocketServer),
      Layer.provideMerge(Server.layerSocketServer(Address.tcp(0), { shutdownGracePeriod: "200 millis" })),
      Layer.provide(NetRpc.layerSerialization({ format: "json" }))
    )
  )
  return ((yield* SocketServer.SocketServer.pipe(Effect.provide(server))).address as Address.TcpAddress).port
})

const jsonFrame = (text: string) => concat([int32(utf8(text).length), utf8(text)])
const echo = (id: string) => jsonFrame(JSON.stringify({ _tag: "Request", id, tag: "Echo", payload: { text: id }, headers: [] }))

describe("@effect/rpc over effect-net: a peer that sends a bad frame", () => {
  it.scopedLive("is disconnected, with no Defect response, however many chunks follow", () =>
    Effect.gen(function*() {
      const port = yield* echoServerPort
      const got = yield* rawPeer(port, [jsonFrame("{nope"), utf8("A"), utf8("B"), utf8("C")])
      expect(got.ended).toBe(true)
      expect(frames(got.received)).toEqual([])
    }), 20_000)

  it.scopedLive("valid requests before it in the same chunk are answered, then the connection ends on the next chunk", () =>
    Effect.gen(function*() {
      const port = yield* echoServerPort
      const got = yield* rawPeer(port, [concat([echo("1"), echo("2"), jsonFrame("{nope")]), utf8("A")])
      expect(got.ended).toBe(true)
      const answers = frames(got.received).map((text) => JSON.parse(text) as { _tag: string; requestId: string })
      expect(answers.filter((a) => a._tag === "Exit").map((a) => a.requestId).sort()).toEqual(["1", "2"])
      expect(answers.filter((a) => a._tag === "Defect")).toEqual([])
    }), 20_000)

  it.scopedLive("an oversized header: disconnected too", () =>
    Effect.gen(function*() {
      const port = yield* echoServerPort
      const got = yield* rawPeer(port, [int32(Framing.defaultMaxFrameLength + 1), utf8("A")])
      expect(got.ended).toBe(true)
      expect(frames(got.received)).toEqual([])
    }), 20_000)
})
