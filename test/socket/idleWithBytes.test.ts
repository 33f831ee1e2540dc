/**
 * `Endpoint.isIdle`, which a shutdown reads to interrupt handlers that have
 * nothing in hand: a full read wakes a parked pull only a turn later (so a
 * burst of reads reaches the owner as one chunk), and in between the bytes
 * that arrived are a request in hand, not idleness.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import * as Address from "../../src/Address.js"
import { endpointOptions } from "../../src/internal/socket/endpoint.js"
import { makeEndpoint } from "../../src/internal/socket/nodeSocket.js"

describe("a parked pull whose bytes have arrived but not been handed over", () => {
  it.live("is not idle in the turn between the full read and the wake", () =>
    Effect.async<{ readonly seen: ReadonlyArray<boolean>; readonly sizes: ReadonlyArray<number> }, Error>((resume) => {
      // isIdle at each 'data' event, with its size: only a full read (>= 16 KiB) defers the wake
      const seen: Array<boolean> = []
      const sizes: Array<number> = []
      let client: Net.Socket | undefined
      const server = Net.createServer({ pauseOnConnect: true }, (accepted) => {
        const endpoint = makeEndpoint(accepted, { local: Address.tcp(0), remote: Address.tcp(0) }, endpointOptions({}))
        // after the endpoint's own listener: what a shutdown deciding in this turn would see
        accepted.on("data", (data: Buffer) => {
          seen.push(endpoint.isIdle())
          sizes.push(data.byteLength)
        })
        const done = (error?: Error) => {
          client?.destroy()
          accepted.destroy()
          server.close()
          resume(error === undefined ? Effect.succeed({ seen, sizes }) : Effect.fail(error))
        }
        Effect.runPromise(endpoint.reader().pull).then(() => done(), done)
        // parked now, with nothing pulled: idle, as it should be
        setImmediate(() => {
          seen.push(endpoint.isIdle())
          // a full read (64 KiB), whose wake waits for the next turn
          client!.write(Buffer.alloc(64 * 1024, 1))
        })
      })
      server.listen(0, "127.0.0.1", () => {
        client = Net.connect((server.address() as Net.AddressInfo).port, "127.0.0.1")
        client.on("error", () => {})
      })
      return Effect.sync(() => {
        client?.destroy()
        server.close()
      })
    }).pipe(
      Effect.timeout("5 seconds"),
      Effect.map(({ seen, sizes }) => {
        expect(seen[0]).toBe(true)
        // the case under test happened: a full read reached the endpoint while its pull was parked
        expect(sizes.some((size) => size >= 16 * 1024)).toBe(true)
        expect(seen.slice(1)).toStrictEqual(seen.slice(1).map(() => false))
      })
    ))
})
