import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as Address from "../../src/Address.js"
import { endpointOptions } from "../../src/internal/socket/endpoint.js"
import { makeEndpoint } from "../../src/internal/socket/nodeSocket.js"
import { readAheadMark } from "../../src/internal/socket/timeouts.js"
import { tempDir } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"

// The documented bound (README, Connection.read): what a connection holds unread in user space while its
// owner does not pull. The kernel read that crosses the mark is up to 64 KiB, and Node's stream takes one
// more read after `pause()` before it stops reading (`pause` does not stop the handle; the next push over
// the stream's high-water mark does).
const nodeRead = 64 * 1024
const documentedBound = 384 * 1024
const KiB = 1024

const certs = makeCerts()
afterAll(() => certs.remove())

type Kind = "tcp" | "unix" | "tls"

const listenOn = (kind: Kind, dir: string): Net.ListenOptions =>
  kind === "unix" ? { path: Path.join(dir, "s") } : { host: "127.0.0.1", port: 0 }

const connectTo = (kind: Kind, server: Net.Server): Net.Socket => {
  const address = server.address()
  if (typeof address === "string") return Net.connect({ path: address })
  const port = (address as Net.AddressInfo).port
  return kind === "tls" ? Tls.connect({ host: "127.0.0.1", port, ca: certs.ca }) : Net.connect({ host: "127.0.0.1", port })
}

interface Stalled {
  /** the server's socket, wrapped as effect-net's endpoint */
  readonly accepted: Net.Socket
  /** what the one pull handed over, in bytes */
  readonly taken: Promise<number>
}

/**
 * A server of one connection whose endpoint is pulled once and then never
 * again, and a client that queues `total` bytes at once: only the read-ahead
 * mark stops the server reading.
 */
const stalledReader = (kind: Kind, dir: string, total: number) =>
  Effect.acquireRelease(
    Effect.async<Stalled & { readonly server: Net.Server; readonly client: Net.Socket }>((resume) => {
      let client: Net.Socket | undefined
      const onSocket = (accepted: Net.Socket) => {
        const endpoint = makeEndpoint(accepted, { local: Address.tcp(0), remote: Address.tcp(0) }, endpointOptions({}))
        const taken = Effect.runPromise(endpoint.reader().pull).then((chunk) => {
          let bytes = 0
          for (const piece of chunk) bytes += piece.byteLength
          return bytes
        })
        resume(Effect.succeed({ server, accepted, client: client!, taken }))
      }
      const server: Net.Server = kind === "tls"
        ? Tls.createServer({ key: certs.server.key, cert: certs.server.cert }, onSocket)
        : Net.createServer({ pauseOnConnect: true }, onSocket)
      server.listen(listenOn(kind, dir), () => {
        client = connectTo(kind, server)
        client.on("error", () => {})
        const block = Buffer.alloc(nodeRead, 7)
        // Queued in the client's own buffer beyond what the kernel takes: bounded, written at once.
        for (let sent = 0; sent < total; sent += block.length) client.write(block)
      })
    }),
    ({ accepted, client, server }) =>
      Effect.sync(() => {
        client.destroy()
        accepted.destroy()
        server.close()
      })
  )

/** Waits until the socket has read nothing new for 200 ms (at most 5 s); returns its bytes read. */
const settledBytesRead = (socket: Net.Socket) =>
  Effect.gen(function*() {
    let last = -1
    let stableFor = 0
    for (let waited = 0; waited < 5000 && stableFor < 200; waited += 50) {
      yield* Effect.sleep("50 millis")
      const now = socket.bytesRead
      stableFor = now === last ? stableFor + 50 : 0
      last = now
    }
    expect(stableFor).toBeGreaterThanOrEqual(200)
    return last
  })

describe("read-ahead bound", () => {
  it("the bound's parts", () => {
    expect(readAheadMark + 2 * nodeRead).toBe(documentedBound)
  })

  for (const kind of ["unix", "tcp", "tls"] as const) {
    it.scopedLive(`a connection nobody pulls holds at most ${documentedBound / KiB} KiB unread (${kind})`, () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const { accepted, taken } = yield* stalledReader(kind, dir, 16 * 1024 * KiB)
        const read = yield* settledBytesRead(accepted)
        // (a TLS socket's `bytesRead` counts its plain text, as the pull does)
        const held = read - (yield* Effect.promise(() => taken))
        console.log(`[read-ahead] ${kind}: ${(held / KiB).toFixed(0)} KiB held unread`)
        expect(held).toBeLessThanOrEqual(documentedBound)
        // It did read ahead: the mark, not the pull, stopped it.
        expect(held).toBeGreaterThanOrEqual(readAheadMark)
      }))
  }
})
