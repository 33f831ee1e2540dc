/**
 * TLS options Node refuses (it throws them synchronously while it builds the
 * secure context) are a `ConnectError` / `ListenError` with Node's code and
 * message, never a defect.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Server from "../../src/Server.js"
import { makeCerts } from "../util/certs.js"

const certs = makeCerts()
afterAll(() => certs.remove())
const serverTls = { key: certs.server.key, cert: certs.server.cert }

describe("TLS options Node refuses", () => {
  const clientCases: ReadonlyArray<{ readonly name: string; readonly tls: Client.TlsConnectOptions; readonly code: string }> = [
    { name: "a key that is not a key", tls: { cert: certs.client.cert, key: "not a key" }, code: "ERR_OSSL_UNSUPPORTED" },
    {
      name: "a key that does not match its certificate",
      tls: { cert: certs.client.cert, key: certs.server.key },
      code: "ERR_OSSL_X509_KEY_VALUES_MISMATCH"
    },
    {
      name: "minVersion TLSv9",
      tls: { minVersion: "TLSv9" as Client.TlsConnectOptions["minVersion"] },
      code: "ERR_TLS_INVALID_PROTOCOL_VERSION"
    }
  ]
  for (const { code, name, tls } of clientCases) {
    it.scopedLive(`client, ${name}: ConnectError ${code}`, () =>
      Effect.gen(function*() {
        const server = yield* Server.serve(Address.tcp(0), () => Effect.void, { tls: serverTls })
        const error = yield* Effect.flip(Effect.scoped(Client.connect(server.address, { tls: { ca: certs.ca, ...tls } })))
        expect(error._tag).toBe("ConnectError")
        expect(error.code).toBe(code)
        expect(error.message).toMatch(new RegExp(`^connect to 127\\.0\\.0\\.1:\\d+ failed: ${code} \\(the TLS options were refused: .+\\)$`))
      }))
  }

  const serverCases: ReadonlyArray<{ readonly name: string; readonly tls: Server.TlsServeOptions; readonly code: string }> = [
    { name: "a garbage key", tls: { ...serverTls, key: "garbage" }, code: "ERR_OSSL_UNSUPPORTED" },
    { name: "an ALPN name over 255 bytes", tls: { ...serverTls, ALPNProtocols: ["x".repeat(300)] }, code: "ERR_OUT_OF_RANGE" }
  ]
  for (const { code, name, tls } of serverCases) {
    it.scopedLive(`server, ${name}: ListenError ${code}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Effect.scoped(Server.serve(Address.tcp(0), () => Effect.void, { tls })))
        expect(error._tag).toBe("ListenError")
        expect(error.code).toBe(code)
        expect(error.message).toMatch(new RegExp(`^listen on 127\\.0\\.0\\.1:0 failed: ${code} \\(the TLS options were refused: .+\\)$`))
      }))
  }
})
