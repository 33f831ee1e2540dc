import { describe, expect, it } from "@effect/vitest"
import * as net from "node:net"
import { start } from "./run.js"

/** Connects, sends `data`, half-closes, and resolves with everything the server sent back. */
const exchange = (port: number, data: Buffer) =>
  new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const received: Array<Buffer> = []
    socket.on("data", (chunk) => received.push(chunk))
    socket.on("end", () => resolve(Buffer.concat(received)))
    socket.on("error", reject)
    socket.end(data)
  })

describe("examples", () => {
  it("echo-server echoes every byte, answers a half-close, and stops cleanly on SIGINT", async () => {
    const server = start("echo-server", ["0"])
    try {
      const [, port] = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/)
      const payload = Buffer.from("hello, world\n".repeat(10_000) + "λ 🚀")
      const [a, b] = await Promise.all([exchange(Number(port), payload), exchange(Number(port), Buffer.alloc(0))])
      expect(a.equals(payload)).toBe(true)
      expect(b.length).toBe(0)
      await server.waitFor(new RegExp(`half-closed after ${payload.length} bytes`))
      server.child.kill("SIGINT")
      expect(await server.exit()).toBe(0)
      expect(server.output()).toContain("echo server stopped")
    } finally {
      server.child.kill("SIGKILL")
    }
  })

  it("framed-client-server sends length-prefixed messages both ways", async () => {
    const example = start("framed-client-server")
    expect(await example.exit()).toBe(0)
    expect(example.output()).toContain(`client: answer "olleh"`)
    expect(example.output()).toContain("server: got a frame of 102400 bytes")
    expect(example.output()).toContain("client: 4 answers for 4 messages")
  })

  it("transport-agnostic runs one program over TCP, Unix and memory", async () => {
    const example = start("transport-agnostic")
    expect(await example.exit()).toBe(0)
    for (const name of ["tcp", "unix", "memory (1-byte chunks)"]) {
      expect(example.output()).toContain(`${name}: word counts 1, 2, 5`)
    }
  })

  it("utf8-lines keeps split characters whole and closes only the connection that sent invalid UTF-8", async () => {
    const example = start("utf8-lines")
    expect(await example.exit()).toBe(0)
    expect(example.output()).toContain("bob received: ana: grüße aus Köln 👋")
    expect(example.output()).toContain("mallory received: bye: invalid UTF-8 at byte offset 2")
    expect(example.output()).toContain("ana received: bob: still here ✓")
  })

  it("binary-protocol reads and writes byte-order-explicit fields and names the field of a short frame", async () => {
    const example = start("binary-protocol")
    expect(await example.exit()).toBe(0)
    const output = example.output()
    // the seed's values: writeUInt32BE(0xdeadbeef), writeFloatLE(3.14159), writeBigInt64LE(9007199254740991n)
    expect(output).toContain("client: sending [de ad be ef d0 0f 49 40 ff ff ff ff ff ff 1f 00")
    expect(output).toContain(`server: reading 3735928559: 3.141590118408203 (9007199254740991) "boiler °C"`)
    expect(output).toMatch(/server: rejected \[00 00 00 07 01 02\]: .*offset 4.*"value"/)
    expect(output).toContain("client: ack id=0xdeadbeef status=0")
    expect(output).toContain("client: ack id=0x0 status=1")
  })

  it("unix-ipc: Schema requests and responses between two processes, a 400 KB message whole, a bad one rejected, no socket file left", async () => {
    const example = start("unix-ipc")
    expect(await example.exit()).toBe(0)
    const output = example.output()
    expect(output).toMatch(/daemon: serving on .*tasks\.sock/)
    expect(output).toContain("client: Added #2 (200000 chars, done: false)")
    expect(output).toContain("client: Completed #1 (16 chars, done: true)")
    expect(output).toContain("client: NotFound #42")
    expect(output).toMatch(/client: Rejected: Schema: .*\n[\s\S]*actual "Delete"/)
    // the daemon survived the rejected peer and still answers
    expect(output.match(/client: Tasks \[#1 done, #2\]/g)).toHaveLength(2)
    expect(output).toContain("client: daemon stopped; socket file left behind: no")
  })

  it("rpc: an @effect/rpc client and server over effect-net with effect-net/rpc", async () => {
    const example = start("rpc")
    expect(await example.exit()).toBe(0)
    expect(example.output()).toContain("client: Greet -> Grüß dich, Zoë 👋")
    expect(example.output()).toContain("client: Countdown -> 3, 2, 1, 0")
  })
})
