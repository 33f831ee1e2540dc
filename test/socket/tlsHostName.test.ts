/**
 * TLS to a host name: the certificate is checked against the name, which SNI
 * sends too. `Transport.makeTls` dials the address its server bound (the
 * address the name resolved to), yet checks the name given.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { Connection } from "../../src/Connection.js"
import { serverName } from "../../src/internal/socket/tls.js"
import * as Transport from "../../src/Transport.js"

// a certificate for the name only: no IP in its subjectAltName
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-net-dns-cert-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
ChildProcess.execFileSync("openssl", [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
  "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"
], { cwd: dir, stdio: "ignore" })
const key = Fs.readFileSync(Path.join(dir, "k.pem"))
const cert = Fs.readFileSync(Path.join(dir, "c.pem"))

const echo = (conn: Connection) => conn.read.pipe(Stream.run(conn.sink))

describe("a TLS transport on a host name", () => {
  it.scopedLive("port 0, host localhost, a certificate for DNS:localhost only: connect checks the name", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeTls({ port: 0, host: "localhost", server: { key, cert }, client: { ca: cert } })
      yield* transport.serve(echo)
      const conn = yield* transport.connect
      expect(conn.tls._tag).toBe("Some")
      yield* conn.write("ping")
      yield* conn.end
      const back = yield* conn.read.pipe(Stream.runFold("", (text, bytes) => text + Buffer.from(bytes).toString()))
      expect(back).toBe("ping")
    }))

  it.scopedLive("Client.connect to a host name sends it as SNI", () =>
    Effect.gen(function*() {
      const seen: Array<string | false> = []
      const server = Tls.createServer({ key, cert }, (socket) => {
        seen.push((socket as Tls.TLSSocket & { readonly servername: string | false }).servername)
        socket.end()
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "localhost", () => resume(Effect.void))),
        () => Effect.sync(() => server.close())
      )
      const { port } = server.address() as { readonly port: number }
      yield* Client.connect(Address.tcp(port, "localhost"), { tls: { ca: cert } })
      // the server's side of the handshake may finish a turn after ours
      for (let i = 0; i < 100 && seen.length === 0; i++) yield* Effect.sleep("10 millis")
      expect(seen).toStrictEqual(["localhost"])
    }))

  it("the name for a host: brackets and a trailing dot dropped, none for an IP address", () => {
    expect([serverName("localhost"), serverName("localhost."), serverName("example.com")]).toStrictEqual([
      "localhost",
      "localhost",
      "example.com"
    ])
    expect([serverName("127.0.0.1"), serverName("::1"), serverName("[::1]"), serverName("fe80::1%eth0"), serverName("")])
      .toStrictEqual([undefined, undefined, undefined, undefined, undefined])
  })
})
