import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection, TlsInfo } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"
import { peersDir, rawConnect, readAll, spawn, timed } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"

const certs = makeCerts()
afterAll(() => certs.remove())

const serverTls = { key: certs.server.key, cert: certs.server.cert }
const clientTls = { ca: certs.ca }
const echoHandler = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

const captureLogs = () => {
  const logs: Array<{ readonly level: string; readonly message: string }> = []
  const logger = Logger.make(({ logLevel, message }) => {
    logs.push({ level: logLevel.label, message: Array.isArray(message) ? message.join(" ") : String(message) })
  })
  return {
    logs,
    layer: Logger.replace(Logger.defaultLogger, logger),
    handshakeLogs: () => logs.filter((log) => log.message.includes("TLS handshake"))
  }
}

/** Sends `text`, half-closes, and reads the answer to the end. */
const roundTrip = (address: Address.Address, text: string, options: Client.ConnectOptions = { tls: clientTls }) =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* Client.connect(address, options)
    yield* conn.write(text)
    yield* conn.end
    return (yield* readAll(conn)).toString()
  }))

const connectError = (address: Address.Address, options: Client.ConnectOptions) =>
  Effect.flip(Effect.scoped(Client.connect(address, options)))

/** A server whose handler records that it ran. */
const watchedServer = (options: Server.ServeOptions) =>
  Effect.gen(function*() {
    let handled = 0
    const server = yield* Server.serve(Address.tcp(0), (conn) => {
      handled++
      return echoHandler(conn)
    }, options)
    return { server, handled: () => handled }
  })

/** A TCP server that accepts and never says anything (no TLS). */
const silentTcpServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Net.Server; readonly address: Address.TcpAddress }>((resume) => {
    const server = Net.createServer((socket) => socket.on("error", () => {}))
    server.listen({ host: "127.0.0.1", port: 0 }, () =>
      resume(Effect.succeed({ server, address: Address.tcp((server.address() as Net.AddressInfo).port) })))
  }),
  ({ server }) => Effect.sync(() => server.close())
)

describe("TLS", () => {
  it.scopedLive("a trusted handshake both ways: data, half-close, and what Connection.tls says on each end", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<Option.Option<TlsInfo>>()
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(seen, conn.tls)
          const request = yield* readAll(conn)
          // After the client's half-close, the server still answers.
          yield* conn.write(`got ${request.toString()} after your FIN`)
        }), { tls: serverTls })
      const conn = yield* Client.connect(server.address, { tls: clientTls })
      yield* conn.write("ping over TLS")
      yield* conn.end
      expect((yield* readAll(conn)).toString()).toBe("got ping over TLS after your FIN")
      const ours = Option.getOrThrow(conn.tls)
      expect(ours.protocol).toBe("TLSv1.3")
      expect(ours.authorized).toBe(true)
      expect(ours.authorizationError).toEqual(Option.none())
      expect(ours.alpnProtocol).toEqual(Option.none())
      expect(Option.getOrThrow(ours.peerCertificate).subject.CN).toBe("localhost")
      const theirs = Option.getOrThrow(yield* Deferred.await(seen))
      expect(theirs.protocol).toBe("TLSv1.3")
      // No client certificate was asked for: nothing verified, nothing sent.
      expect(theirs.authorized).toBe(false)
      expect(theirs.peerCertificate).toEqual(Option.none())
    }))

  it.scopedLive("servername picks the name checked: DNS:localhost matches when dialling 127.0.0.1", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler, { tls: serverTls })
      expect(yield* roundTrip(server.address, "by name", { tls: { ...clientTls, servername: "localhost" } })).toBe(
        "by name"
      )
    }))

  it.scopedLive("plain connections say tls: None (TCP and memory)", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler)
      expect((yield* Client.connect(server.address)).tls).toEqual(Option.none())
      const memory = yield* Transport.makeMemory()
      yield* memory.serve(echoHandler)
      expect((yield* memory.connect).tls).toEqual(Option.none())
    }))

  it.scopedLive("an untrusted self-signed server is ConnectError DEPTH_ZERO_SELF_SIGNED_CERT; the handler never runs", () =>
    Effect.gen(function*() {
      const { handled, server } = yield* watchedServer({
        tls: { key: certs.selfSigned.key, cert: certs.selfSigned.cert }
      })
      const error = yield* connectError(server.address, { tls: clientTls })
      expect(error._tag).toBe("ConnectError")
      expect(error.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT")
      expect(error.message).toContain("failed: DEPTH_ZERO_SELF_SIGNED_CERT (TLS handshake: self-signed certificate)")
      // Without our CA, a CA-signed server is untrusted too.
      const { server: signed } = yield* watchedServer({ tls: serverTls })
      expect((yield* connectError(signed.address, { tls: {} })).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE")
      yield* Effect.sleep("50 millis")
      expect(handled()).toBe(0)
    }))

  it.scopedLive("rejectUnauthorized: false lets an untrusted server in, and Connection.tls says why it is not trusted", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler, {
        tls: { key: certs.selfSigned.key, cert: certs.selfSigned.cert }
      })
      const conn = yield* Client.connect(server.address, { tls: { rejectUnauthorized: false } })
      const info = Option.getOrThrow(conn.tls)
      expect(info.authorized).toBe(false)
      expect(info.authorizationError).toEqual(Option.some("DEPTH_ZERO_SELF_SIGNED_CERT"))
    }))

  it.scopedLive("a certificate for another name is ConnectError ERR_TLS_CERT_ALTNAME_INVALID", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler, { tls: serverTls })
      const error = yield* connectError(server.address, { tls: { ...clientTls, servername: "example.com" } })
      expect(error.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID")
      expect(error.reason).toContain("example.com")
    }))

  it.scopedLive("an expired certificate is ConnectError CERT_HAS_EXPIRED", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), echoHandler, {
        tls: { key: certs.expired.key, cert: certs.expired.cert }
      })
      const error = yield* connectError(server.address, { tls: clientTls })
      expect(error.code).toBe("CERT_HAS_EXPIRED")
      expect(error.message).toContain("certificate has expired")
    }))

  it.scopedLive("mutual TLS: a client with a certificate is let in and seen; one without is dropped before any handler", () => {
    const { handshakeLogs, layer } = captureLogs()
    return Effect.gen(function*() {
      const seen = yield* Deferred.make<TlsInfo>()
      let handled = 0
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          handled++
          yield* Deferred.succeed(seen, Option.getOrThrow(conn.tls))
          yield* echoHandler(conn)
        }), { tls: { ...serverTls, ca: certs.ca, requestCert: true } })
      const withCert = { ...clientTls, key: certs.client.key, cert: certs.client.cert }
      expect(yield* roundTrip(server.address, "it's me", { tls: withCert })).toBe("it's me")
      const info = yield* Deferred.await(seen)
      expect(info.authorized).toBe(true)
      expect(Option.getOrThrow(info.peerCertificate).subject.CN).toBe("client")
      // TLS 1.3: the client's handshake is done before the server checks it, so the refusal
      // arrives as the server's alert — on the connect if it is quick, else on the first read.
      const refused = yield* Effect.exit(roundTrip(server.address, "anonymous"))
      expect(Exit.isFailure(refused)).toBe(true)
      const error = Exit.isFailure(refused) ? Cause.squash(refused.cause) : undefined
      expect(error).toMatchObject({ code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" })
      yield* Effect.sleep("50 millis")
      expect(handled).toBe(1)
      expect(handshakeLogs().map((log) => log.level)).toEqual(["DEBUG"])
      expect(handshakeLogs()[0]!.message).toContain("PEER_DID_NOT_RETURN_A_CERTIFICATE")
    }).pipe(Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Debug))
  })

  it.scopedLive("ALPN: the protocol chosen is in Connection.tls on both ends; offering none the server speaks is refused", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<Option.Option<string>>()
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.zipRight(Deferred.succeed(seen, Option.flatMap(conn.tls, (tls) => tls.alpnProtocol)), echoHandler(conn)), {
        tls: { ...serverTls, ALPNProtocols: ["echo/2", "echo/1"] }
      })
      const conn = yield* Client.connect(server.address, { tls: { ...clientTls, ALPNProtocols: ["echo/1", "other"] } })
      expect(Option.flatMap(conn.tls, (tls) => tls.alpnProtocol)).toEqual(Option.some("echo/1"))
      expect(yield* Deferred.await(seen)).toEqual(Option.some("echo/1"))
      const error = yield* connectError(server.address, { tls: { ...clientTls, ALPNProtocols: ["h2"] } })
      expect(error.code).toBe("ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL")
    }))

  it.scopedLive("a plain-TCP client is dropped and logged at Debug; the server keeps serving TLS", () => {
    const { handshakeLogs, layer } = captureLogs()
    return Effect.gen(function*() {
      const { handled, server } = yield* watchedServer({ tls: serverTls })
      const plain = yield* rawConnect(server.address)
      plain.socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
      const [{ data }, ms] = yield* timed(plain.ended)
      expect(data.toString()).not.toContain("HTTP")
      expect(ms).toBeLessThan(2000)
      expect(yield* roundTrip(server.address, "still here")).toBe("still here")
      expect(handled()).toBe(1)
      expect(handshakeLogs()).toHaveLength(1)
      expect(handshakeLogs()[0]!.level).toBe("DEBUG")
      expect(handshakeLogs()[0]!.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: ERR_SSL_/)
    }).pipe(Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Debug))
  })

  it.scopedLive("a TLS client dialling a plain-TCP server that says nothing: connectTimeout covers the handshake", () =>
    Effect.gen(function*() {
      const { address } = yield* silentTcpServer
      const [error, ms] = yield* timed(connectError(address, { tls: clientTls, connectTimeout: "200 millis" }))
      expect(error.code).toBe("ETIMEDOUT")
      expect(error.message).toContain("no TLS handshake within connectTimeout (200 ms)")
      expect(ms).toBeGreaterThanOrEqual(150)
      expect(ms).toBeLessThan(2000)
    }))

  it.scopedLive("a peer that opens TCP and never handshakes is dropped after handshakeTimeout, never handled or counted", () => {
    const { handshakeLogs, layer } = captureLogs()
    return Effect.gen(function*() {
      const { handled, server } = yield* watchedServer({
        tls: serverTls,
        handshakeTimeout: "300 millis",
        maxConnections: 1
      })
      const stalled = yield* rawConnect(server.address)
      const early = yield* Client.connect(server.address, { tls: clientTls })
      yield* Effect.sleep("50 millis")
      expect(yield* server.connections).toBe(1)
      // Held in its handshake, it takes none of maxConnections' single place.
      yield* early.write("room for me")
      expect(Buffer.from(yield* early.read.pipe(Stream.runHead, Effect.map(Option.getOrThrow))).toString()).toBe(
        "room for me"
      )
      const [{ data }, ms] = yield* timed(stalled.ended)
      expect(data.byteLength).toBe(0)
      expect(ms).toBeLessThan(2000)
      // The deadline is the handshake's only: a connection that completed it outlives it.
      yield* Effect.sleep("300 millis")
      yield* early.write("still open")
      expect(Buffer.from(yield* early.read.pipe(Stream.runHead, Effect.map(Option.getOrThrow))).toString()).toBe(
        "still open"
      )
      expect(handled()).toBe(1)
      expect(handshakeLogs().map((log) => log.message)).toEqual([
        expect.stringMatching(/TLS handshake with 127\.0\.0\.1:\d+ failed: ETIMEDOUT \(no TLS handshake within 300 ms\)/)
      ])
    }).pipe(Effect.provide(layer), Logger.withMinimumLogLevel(LogLevel.Debug))
  })

  it.scopedLive("handshakes still under way do not hold shutdown up: they are dropped at once", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(
        Server.serve(Address.tcp(0), echoHandler, { tls: serverTls, handshakeTimeout: "30 seconds" }),
        scope
      )
      const stalled = yield* Effect.forEach(Array.from({ length: 5 }), () => rawConnect(server.address))
      yield* Effect.sleep("50 millis")
      const [, ms] = yield* timed(Scope.close(scope, Exit.void))
      expect(ms).toBeLessThan(1000)
      const ends = yield* Effect.forEach(stalled, (peer) => peer.ended).pipe(Effect.timeout("2 seconds"))
      expect(ends.every(({ data }) => data.byteLength === 0)).toBe(true)
    }))

  it.scopedLive("Transport.layerTls: the same program, every connection with tls: Some", () =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        const transport = yield* Transport.Transport
        yield* transport.serve(echoHandler)
        const conn = yield* transport.connect
        yield* conn.write("via the transport")
        yield* conn.end
        return [(yield* readAll(conn)).toString(), Option.isSome(conn.tls)] as const
      })
      const layer = Transport.layerTls({ port: 0, server: serverTls, client: clientTls })
      expect(yield* Effect.provide(program, layer)).toEqual(["via the transport", true])
    }))
})

describe("TLS with foreign peers (Python's ssl, OpenSSL underneath)", () => {
  const script = Path.join(peersDir, "tls_peer.py")

  it.scopedLive("a Python client talks to our server: the handshake, a line each way, a clean close", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve(Address.tcp(0), (conn) =>
        Effect.gen(function*() {
          let line = ""
          yield* conn.read.pipe(
            Stream.map((bytes) => (line += Buffer.from(bytes).toString())),
            Stream.takeUntil(() => line.includes("\n")),
            Stream.runDrain
          )
          yield* conn.write(`${line.trim().toUpperCase()} over ${Option.getOrThrow(conn.tls).protocol}`)
        }), { tls: serverTls })
      const address = server.address as Address.TcpAddress
      const python = yield* spawn("python3", [script, "client", "127.0.0.1", String(address.port), certs.caPath])
      const out = yield* python.exit.pipe(Effect.timeout("15 seconds"))
      expect(out.trim()).toBe("TLSv1.3 HELLO FROM PYTHON over TLSv1.3")
    }))

  it.scopedLive("our client talks to a Python server that requires a client certificate and speaks ALPN", () =>
    Effect.gen(function*() {
      const python = yield* spawn("python3", [script, "server", certs.server.certPath, certs.server.keyPath, certs.caPath])
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => python.process.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))))
      ).pipe(Effect.timeout("10 seconds"))
      const reply = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Client.connect(Address.tcp(port), {
          tls: { ...clientTls, key: certs.client.key, cert: certs.client.cert, ALPNProtocols: ["echo/1"] }
        })
        expect(Option.flatMap(conn.tls, (tls) => tls.alpnProtocol)).toEqual(Option.some("echo/1"))
        yield* conn.write("hello from effect-net\n")
        return (yield* readAll(conn)).toString()
      }))
      expect(reply).toBe("ten-tceffe morf olleh alpn=echo/1 peer=client")
      expect((yield* python.exit.pipe(Effect.timeout("10 seconds"))).trim().split("\n").at(-1)).toBe("served")
    }))
})
