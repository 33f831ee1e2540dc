/**
 * A peer that closes during the TLS handshake (a client that rejected our
 * certificate, a connect-then-FIN probe) is dropped at once and logged at
 * Debug with why, however long `handshakeTimeout` is; half-close after a
 * completed handshake keeps working as configured.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Server from "../../src/Server.js"
import { rawConnect, readAll, timed } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"

const certs = makeCerts()
afterAll(() => certs.remove())
const serverTls = { key: certs.server.key, cert: certs.server.cert }

const captureDebug = () => {
  const messages: Array<string> = []
  const logger = Logger.make(({ message }) => {
    messages.push(Array.isArray(message) ? message.join(" ") : String(message))
  })
  return { messages, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const waitUntil = (done: () => boolean) =>
  Effect.gen(function*() {
    while (!done()) yield* Effect.sleep("10 millis")
  }).pipe(Effect.timeout("2 seconds"))

const openFds = () => Fs.readdirSync("/proc/self/fd").length

describe("TLS: a peer that closes during the handshake", () => {
  for (const handshakeTimeout of [Duration.seconds(30), Duration.infinity]) {
    it.scopedLive(`is dropped at once and logged at Debug (handshakeTimeout ${Duration.format(handshakeTimeout)})`, () => {
      const { layer, messages } = captureDebug()
      return Effect.gen(function*() {
        const server = yield* Server.serve(Address.tcp(0), () => Effect.void, { tls: serverTls, handshakeTimeout })
        const failures = () => messages.filter((m) => m.includes("the peer closed the connection during the handshake"))

        // A client that does not trust our certificate closes; the server notices at once.
        const refused = yield* Effect.flip(Effect.scoped(Client.connect(server.address, { tls: {} })))
        expect(refused.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE")
        yield* waitUntil(() => failures().length === 1)

        // A probe that connects and sends FIN: the server closes its side at once.
        const probe = yield* rawConnect(server.address)
        probe.socket.end()
        const [{ data }, ms] = yield* timed(probe.ended.pipe(Effect.timeout("2 seconds")))
        expect(data.byteLength).toBe(0)
        expect(ms).toBeLessThan(2000)
        yield* waitUntil(() => failures().length === 2)
        expect(failures()[1]).toMatch(/^TLS handshake with 127\.0\.0\.1:\d+ failed: ECONNRESET \(the peer closed/)
      }).pipe(Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Debug))
    })
  }

  it.scopedLive.skipIf(process.platform !== "linux")("20 untrusting clients and 20 FIN probes leave no socket behind", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), () => Effect.void, {
        tls: serverTls,
        handshakeTimeout: Duration.infinity
      })
      const before = openFds()
      for (let i = 0; i < 20; i++) yield* Effect.either(Effect.scoped(Client.connect(server.address, { tls: {} })))
      yield* Effect.scoped(Effect.gen(function*() {
        const probes = yield* Effect.forEach(Array.from({ length: 20 }), () => rawConnect(server.address))
        for (const probe of probes) probe.socket.end()
        yield* Effect.forEach(probes, (probe) => probe.ended).pipe(Effect.timeout("2 seconds"))
      }))
      // Both ends of every connection live in this process: each lingering server socket is an fd.
      yield* waitUntil(() => openFds() <= before)
    }))
})

describe("TLS: half-close after a completed handshake", () => {
  it.scopedLive("allowHalfOpen (default): the handler writes after the client's FIN", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          const got = yield* readAll(conn)
          yield* Effect.sleep("50 millis")
          yield* conn.write(`after FIN: ${got.toString()}`)
        }), { tls: serverTls })
      const answer = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address, { tls: { ca: certs.ca } })
        yield* conn.write("hello")
        yield* conn.end
        return (yield* readAll(conn)).toString()
      }))
      expect(answer).toBe("after FIN: hello")
    }))

  it.scopedLive("allowHalfOpen: false: the client's FIN ends the server's side too", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(
        Address.tcp(0),
        (conn) => Effect.zipRight(Stream.runDrain(conn.read), Effect.never),
        { tls: serverTls, allowHalfOpen: false, shutdownGracePeriod: "100 millis" }
      )
      const [answer, ms] = yield* timed(Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(server.address, { tls: { ca: certs.ca } })
        yield* conn.write("hello")
        yield* conn.end
        return yield* readAll(conn)
      })).pipe(Effect.timeout("2 seconds")))
      expect(answer.byteLength).toBe(0)
      expect(ms).toBeLessThan(2000)
    }))
})
