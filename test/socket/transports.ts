/**
 * The transports the socket behaviour suites run over, so TCP, Unix and TLS
 * are held to the same behaviour by the same tests: each makes a `Transport`
 * for a test's options and a raw `node:net` / `node:tls` peer for its address.
 */
import { afterAll } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Path from "node:path"
import type { Address } from "../../src/Address.js"
import * as Transport from "../../src/Transport.js"
import { type RawPeer, rawConnect, tempDir } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"

export type TransportOptions = Transport.PlainConnectOptions & Transport.PlainServeOptions

export interface TransportCase {
  readonly name: "tcp" | "unix" | "tls"
  readonly make: (options?: TransportOptions) => Effect.Effect<Transport.Transport["Type"], never, Scope.Scope>
  /** A peer that is not effect-net, speaking the transport's protocol (TLS with the test CA). */
  readonly rawConnect: (address: Address) => Effect.Effect<RawPeer, Error, Scope.Scope>
}

const certs = makeCerts()
afterAll(() => certs.remove())

export const transports: ReadonlyArray<TransportCase> = [
  { name: "tcp", make: (options) => Transport.makeTcp({ port: 0, ...options }), rawConnect: (address) => rawConnect(address) },
  {
    name: "unix",
    make: (options) =>
      Effect.flatMap(tempDir, (dir) => Transport.makeUnix({ path: Path.join(dir, "t.sock"), ...options })),
    rawConnect: (address) => rawConnect(address)
  },
  {
    name: "tls",
    make: (options) =>
      Transport.makeTls({
        port: 0,
        ...options,
        server: { key: certs.server.key, cert: certs.server.cert },
        client: { ca: certs.ca }
      }),
    rawConnect: (address) => rawConnect(address, { ca: certs.ca })
  }
]
