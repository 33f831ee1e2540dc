/**
 * A binary protocol with explicit byte order, the Buffer section of a classic
 * node:net tutorial done with typed fields: each reading is a length-prefixed
 * frame holding
 *
 *   +-----------+-----------+-----------------+----------------+
 *   | id u32 BE | value f32 | counter i64 LE  | label (UTF-8)  |
 *   |  4 bytes  |  LE, 4 B  |    8 bytes      |  rest of frame |
 *   +-----------+-----------+-----------------+----------------+
 *
 * The server decodes each reading and answers with an ack (`id u32 BE`,
 * `status u8`); a frame that is too short gets status 1 and the error —
 * field name and byte offset — is printed, not thrown.
 *
 *   npm run example examples/binary-protocol.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Either, Stream } from "effect"
import { Address, Bytes, Client, Framing, Server } from "effect-net"

const Reading = Bytes.struct({ id: Bytes.u32be, value: Bytes.f32le, counter: Bytes.i64le, label: Bytes.utf8Rest })
const Ack = Bytes.struct({ id: Bytes.u32be, status: Bytes.u8 })

const framer = Framing.lengthPrefixed({ maxFrameLength: 64 * 1024 })
const decodeReading = Bytes.decode(Reading)
const encodeAck = Bytes.encode(Ack)

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex").replace(/(..)/g, "$1 ").trim()

const server = Server.serve(Address.tcp(0), (connection) =>
  connection.read.pipe(
    framer.decode,
    Stream.mapEffect((frame) =>
      Either.match(decodeReading(frame), {
        onRight: (reading) =>
          Effect.as(
            Console.log(`server: reading ${reading.id}: ${reading.value} (${reading.counter}) "${reading.label}"`),
            { id: reading.id, status: 0 }
          ),
        onLeft: (error) => Effect.as(Console.log(`server: rejected [${hex(frame)}]: ${error.message}`), { id: 0, status: 1 })
      })
    ),
    // an ack always encodes: its fields are in range by construction
    Stream.map((ack) => Either.getOrThrow(encodeAck(ack))),
    framer.encode,
    Stream.run(connection.sink)
  ))

const program = Effect.gen(function*() {
  const { address } = yield* server
  const connection = yield* Client.connect(address)
  const readings = [
    { id: 0xdeadbeef, value: 3.14159, counter: 9007199254740991n, label: "boiler °C" },
    { id: 2, value: -0.5, counter: -1n, label: "" }
  ]
  const frames = readings.map((reading) => Either.getOrThrow(Bytes.encode(Reading)(reading)))
  for (const frame of frames) yield* Console.log(`client: sending [${hex(frame)}]`)
  const tooShort = new Uint8Array([0x00, 0x00, 0x00, 0x07, 0x01, 0x02])
  yield* Stream.fromIterable([...frames, tooShort]).pipe(framer.encode, Stream.run(connection.sink))
  yield* connection.end
  const acks = yield* connection.read.pipe(framer.decode, Stream.map(Bytes.decode(Ack)), Stream.runCollect)
  for (const ack of acks) {
    yield* Either.match(ack, {
      onRight: ({ id, status }) => Console.log(`client: ack id=0x${id.toString(16)} status=${status}`),
      onLeft: (error) => Console.log(`client: bad ack: ${error.message}`)
    })
  }
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
