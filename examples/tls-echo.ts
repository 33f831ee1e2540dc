/**
 * A TLS echo server and a client for it, in one program. The server runs each
 * handler only after a successful handshake; the client trusts exactly the
 * server's certificate (no system CAs) and checks it names 127.0.0.1. A
 * plain-TCP peer is dropped without reaching the handler.
 *
 *   npm run example examples/tls-echo.ts                  (makes a throwaway self-signed cert with openssl)
 *   npm run example examples/tls-echo.ts key.pem cert.pem (a certificate for 127.0.0.1 of your own)
 */
import { Console, Effect, Option, Stream } from "effect"
import { Address, Client, Server } from "effect-net"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Key and certificate from argv, or a fresh self-signed pair in a temp dir removed with the scope. */
const credentials = Effect.acquireRelease(
  Effect.sync(() => {
    const [keyPath, certPath] = process.argv.slice(2)
    if (keyPath !== undefined && certPath !== undefined) {
      return { key: readFileSync(keyPath), cert: readFileSync(certPath), dir: undefined }
    }
    const dir = mkdtempSync(join(tmpdir(), "tls-echo-"))
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
      "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"
    ], { stdio: "ignore" })
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")), dir }
  }),
  ({ dir }) => Effect.sync(() => dir !== undefined && rmSync(dir, { recursive: true, force: true }))
)

const program = Effect.gen(function*() {
  const { cert, key } = yield* credentials
  const server = yield* Server.serve(
    Address.tcp(0),
    // Runs after the handshake: the bytes here are already decrypted.
    (connection) => connection.read.pipe(Stream.run(connection.sink)),
    { tls: { key, cert }, handshakeTimeout: "5 seconds" }
  )
  yield* Console.log(`server: TLS echo on ${Address.format(server.address)}`)

  const reply = yield* Effect.scoped(Effect.gen(function*() {
    // Trust exactly this certificate: a self-signed one is its own CA.
    const connection = yield* Client.connect(server.address, { tls: { ca: cert } })
    const tls = Option.getOrThrow(connection.tls)
    const subject = Option.match(tls.peerCertificate, { onNone: () => "none", onSome: (c) => c.subject.CN })
    yield* Console.log(`client: handshake done, ${tls.protocol}, server certificate CN=${subject}`)
    yield* connection.write("hello over TLS")
    yield* connection.end
    return yield* connection.read.pipe(
      Stream.decodeText(),
      Stream.mkString
    )
  }))
  yield* Console.log(`client: echoed "${reply}"`)

  // Without the certificate in `ca`, the same server is untrusted.
  const refused = yield* Effect.flip(Effect.scoped(Client.connect(server.address, { tls: {} })))
  yield* Console.log(`client without the CA: ${refused.message}`)
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
