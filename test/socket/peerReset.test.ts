/**
 * A peer that resets while Node still holds accepted bytes: those bytes are
 * lost, so a later `flush` fails and the close logs them at Warning. Node
 * empties its buffer before it emits `'error'`, so `writableLength` reads 0 by
 * then; the count is the connection's own.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import type { ConnectOptions } from "../../src/Client.js"
import type { Connection, WriteFailure } from "../../src/Connection.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"
import { tempDir } from "../peers/support.js"
import { makeCerts } from "../util/certs.js"
import { captureWarnings, fillUntilHeld, KiB, pausedServer } from "./pausedPeers.js"

const certs = makeCerts()
afterAll(() => certs.remove())

/** A raw paused TLS server; `reset` sends RST on the TCP socket under the one TLS socket it accepted. */
const pausedTlsServer = Effect.gen(function*() {
  const accepted = yield* Deferred.make<Tls.TLSSocket>()
  const server = Tls.createServer({ key: certs.server.key, cert: certs.server.cert }, (socket) => {
    socket.pause()
    socket.on("error", () => {})
    Deferred.unsafeDone(accepted, Effect.succeed(socket))
  })
  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.void))
    }),
    () => Effect.sync(() => server.close())
  )
  return {
    address: Address.tcp((server.address() as Net.AddressInfo).port),
    reset: Effect.map(Deferred.await(accepted), (socket) => {
      // A server-side TLSSocket keeps the TCP socket it wraps as `_parent`.
      ;(socket as unknown as { readonly _parent: Net.Socket })._parent.resetAndDestroy()
    })
  }
})

const peers = [
  {
    name: "TCP",
    listen: Effect.map(pausedServer(Address.tcp(0)), (l) => ({
      address: l.address,
      reset: Effect.map(l.peer, (p) => void p.socket.resetAndDestroy())
    })),
    options: {}
  },
  {
    // No RST on a Unix socket: the peer's close fails our next write (EPIPE).
    name: "Unix",
    listen: Effect.flatMap(tempDir, (dir) =>
      Effect.map(pausedServer(Address.unix(Path.join(dir, "s.sock"))), (l) => ({
        address: l.address,
        reset: Effect.map(l.peer, (p) => void p.socket.destroy())
      }))),
    options: {}
  },
  { name: "TLS", listen: pausedTlsServer, options: { tls: { ca: certs.ca } } }
] as const

const expectOneDrop = (warnings: ReadonlyArray<{ readonly message: string; readonly annotations: Record<string, unknown> }>) => {
  expect(warnings).toHaveLength(1)
  const unsent = warnings[0]!.annotations["unsentBytes"] as number
  // At least the 4 KiB written after Node started holding bytes.
  expect(unsent).toBeGreaterThanOrEqual(4 * KiB)
  expect(warnings[0]!.message).toMatch(
    new RegExp(`^connection closed with ${unsent} written bytes never sent: the socket failed \\((ECONNRESET|EPIPE)\\)$`)
  )
}

const expectWriteError = (conn: Connection) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(conn.flush).pipe(Effect.timeout("5 seconds"))
    expect(error._tag).toBe("WriteError")
    expect(error._tag === "WriteError" && ["ECONNRESET", "EPIPE"].includes(error.code)).toBe(true)
  })

describe("a peer reset with accepted bytes in Node", () => {
  for (const { listen, name, options } of peers) {
    it.live(`${name} client: a flush after the reset fails with WriteError, the close logs the drop once`, () => {
      const { layer, warnings } = captureWarnings()
      return Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const listening = yield* listen
          const conn = yield* Client.connect(listening.address, options as ConnectOptions)
          yield* fillUntilHeld(conn)
          yield* listening.reset
          // Long enough for the failure to settle: the flush comes after it, not during it.
          yield* Effect.sleep("300 millis")
          yield* expectWriteError(conn)
        }))
        expectOneDrop(warnings)
      }).pipe(Effect.provide(layer))
    })
  }

  it.live("TCP server: a handler's flush after the client reset fails with WriteError, the drop is logged", () => {
    const { layer, warnings } = captureWarnings()
    return Effect.gen(function*() {
      const filled = yield* Deferred.make<void>()
      const reset = yield* Deferred.make<void>()
      const flushed = yield* Deferred.make<WriteFailure | undefined>()
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Server.serve(Address.tcp(0), (conn) =>
          Effect.gen(function*() {
            yield* fillUntilHeld(conn)
            yield* Deferred.succeed(filled, undefined)
            yield* Deferred.await(reset)
            yield* Effect.sleep("300 millis")
            yield* Deferred.succeed(flushed, yield* Effect.match(conn.flush, { onFailure: (e) => e, onSuccess: () => undefined }))
          }))
        const socket = Net.connect((server.address as Address.TcpAddress).port, "127.0.0.1")
        socket.pause()
        socket.on("error", () => {})
        yield* Deferred.await(filled)
        socket.resetAndDestroy()
        yield* Deferred.succeed(reset, undefined)
        const error = yield* Deferred.await(flushed)
        expect(error?._tag).toBe("WriteError")
        // The handler's close runs after it returned.
        while (warnings.length === 0) yield* Effect.sleep("20 millis")
      })).pipe(Effect.timeout("10 seconds"))
      expectOneDrop(warnings)
    }).pipe(Effect.provide(layer))
  })
})

describe("memory: the peer closed at once", () => {
  it.scopedLive("write, flush and end all fail with WriteError EPIPE", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory()
      const gone = yield* Deferred.make<void>()
      yield* transport.serve(() => Effect.fail("boom").pipe(Effect.ensuring(Deferred.succeed(gone, undefined))))
      const conn = yield* transport.connect
      yield* Deferred.await(gone)
      // The handler's scope closes right after it failed.
      yield* Effect.sleep("20 millis")
      for (const operation of [conn.write("x"), conn.flush, conn.end]) {
        const error = yield* Effect.flip(operation)
        expect(error._tag === "WriteError" && error.code).toBe("EPIPE")
      }
    }))
})
