/**
 * `Transport.layerTls` / `makeTls` with a host name: `connect` dials the name
 * it was given (on the port the server bound), so the certificate is checked
 * against that name, as `Client.connect` checks it, not against the address
 * the name resolved to.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { Connection } from "../../src/Connection.js"
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
})
