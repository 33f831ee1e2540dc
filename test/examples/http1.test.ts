/**
 * examples/http1-server.ts against peers nobody here wrote: curl, Node's
 * fetch (undici) and http.request, and raw sockets for what those never send.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { type Running, start } from "./run.js"

const run = promisify(execFile)

let server: Running
let port: number
let base: string
let dir: string

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "http1-"))
  server = start("http1-server", ["0"])
  const [, listening] = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/)
  port = Number(listening)
  base = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  server.child.kill("SIGINT")
  const code = await server.exit()
  await fs.rm(dir, { recursive: true, force: true })
  // the server survived everything below and stops cleanly
  expect(code).toBe(0)
  expect(server.output()).not.toMatch(/connection handler|Error/)
})

const curl = async (...args: Array<string>) => (await run("curl", ["-sS", ...args], { timeout: 20_000, encoding: "buffer" })).stdout

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

describe("http1-server with curl", () => {
  it("several URLs reuse one connection, each answered in order", async () => {
    const out = (await curl("-w", "%{num_connects} %{http_code}\\n", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", `${base}/`, `${base}/nope`, `${base}/`)).toString()
    // num_connects is 0 for a request sent on a connection that was already open
    expect(out).toBe("1 200\n0 404\n0 200\n")
    const verbose = await run("curl", ["-sv", `${base}/`, `${base}/`], { timeout: 20_000 })
    expect(verbose.stdout).toBe("hellohello")
    expect(verbose.stderr).toContain("Re-using existing connection")
  })

  it.each([0, 1, 1024 * 1024])("--data-binary of %i bytes comes back intact", async (size) => {
    const file = path.join(dir, `upload-${size}`)
    const bytes = randomBytes(size)
    await fs.writeFile(file, bytes)
    const echoed = await curl("--data-binary", `@${file}`, `${base}/echo`)
    expect(echoed.length).toBe(size)
    expect(sha256(echoed)).toBe(sha256(bytes))
  })

  it("an upload over the 8 MiB limit is 413, answered to curl's Expect: 100-continue before the body is sent", async () => {
    const file = path.join(dir, "too-large")
    await fs.writeFile(file, Buffer.alloc(9 * 1024 * 1024, 0x61))
    const out = await run("curl", ["-sv", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", `@${file}`, `${base}/echo`], {
      timeout: 20_000
    })
    expect(out.stdout).toBe("413")
    expect(out.stderr).toContain("Expect: 100-continue")
    expect(out.stderr).toContain("Connection: close")
  })

  it("a chunked upload (Transfer-Encoding: chunked) comes back intact", async () => {
    const file = path.join(dir, "chunked")
    const bytes = randomBytes(300_000)
    await fs.writeFile(file, bytes)
    const echoed = await curl("-H", "Transfer-Encoding: chunked", "--data-binary", `@${file}`, `${base}/echo`)
    expect(sha256(echoed)).toBe(sha256(bytes))
  })
})

describe("http1-server with Node's clients", () => {
  it("fetch: GET, POST with a body, 404, and a streamed (chunked) upload", async () => {
    const hello = await fetch(`${base}/`)
    expect([hello.status, await hello.text()]).toEqual([200, "hello"])
    const echo = await fetch(`${base}/echo`, { method: "POST", body: "ünïcödé" })
    expect(await echo.text()).toBe("ünïcödé")
    expect((await fetch(`${base}/missing`)).status).toBe(404)
    const parts = ["one ", "two ", "three"]
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift()
        if (part === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(part))
      }
    })
    const streamed = await fetch(`${base}/echo`, { method: "POST", body, duplex: "half" } as RequestInit)
    expect(await streamed.text()).toBe("one two three")
  })

  const request = (agent: http.Agent, options: http.RequestOptions, pieces: ReadonlyArray<string> = []) =>
    new Promise<{ status: number; body: string; socket: net.Socket; reused: boolean; chunked: boolean }>(
      (resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, agent, ...options }, (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () =>
            resolve({
              status: res.statusCode!,
              body: Buffer.concat(chunks).toString(),
              socket: req.socket!,
              reused: req.reusedSocket,
              chunked: (req as unknown as { chunkedEncoding: boolean }).chunkedEncoding
            }))
        })
        req.on("error", reject)
        req.setTimeout(10_000, () => req.destroy(new Error("timed out")))
        for (const piece of pieces) req.write(piece)
        req.end()
      }
    )

  it("http.request with a keep-alive agent: several requests, one socket", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const results = []
      for (const target of ["/", "/x", "/"]) results.push(await request(agent, { path: target }))
      expect(results.map((r) => [r.status, r.body])).toEqual([[200, "hello"], [404, "no GET /x here\n"], [200, "hello"]])
      expect(results.map((r) => r.reused)).toEqual([false, true, true])
      expect(new Set(results.map((r) => r.socket)).size).toBe(1)
    } finally {
      agent.destroy()
    }
  })

  it("http.request with no Content-Length, written in pieces: a chunked upload", async () => {
    const agent = new http.Agent({ keepAlive: true })
    try {
      const pieces = ["a", "bc", "x".repeat(70_000), "", "end"]
      const result = await request(agent, { method: "POST", path: "/echo" }, pieces)
      expect(result.chunked).toBe(true)
      expect(result.body).toBe(pieces.join(""))
    } finally {
      agent.destroy()
    }
  })
})

/** Connects, writes `pieces` (each its own write, waited for), half-closes if asked, and resolves with all it got once the server closes. */
const raw = (pieces: ReadonlyArray<string | Buffer>, options: { readonly end?: boolean } = {}) =>
  new Promise<string>((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
    const received: Array<Buffer> = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server did not close; got ${JSON.stringify(Buffer.concat(received).toString("latin1"))}`))
    }, 10_000)
    socket.on("data", (chunk) => received.push(chunk))
    socket.on("close", () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received).toString("latin1"))
    })
    socket.on("error", reject)
    socket.on("connect", async () => {
      for (const piece of pieces) await new Promise((done) => socket.write(piece, done))
      if (options.end === true) socket.end()
    })
  })

/** The statuses of the responses in `text` (a body here never looks like a status line). */
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))

const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
const getAndClose = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
const echo = (body: string) => `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`

describe("http1-server with raw sockets", () => {
  it("pipelined requests in one write are answered in order; Connection: close ends it", async () => {
    const got = await raw([get + echo("ping") + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + getAndClose + get])
    expect(statuses(got)).toEqual([200, 200, 404, 200])
    expect(got).toContain("Content-Length: 4\r\n\r\nping")
    expect(got.endsWith("Connection: close\r\nContent-Length: 5\r\n\r\nhello")).toBe(true)
  })

  it("the same requests written one byte at a time", async () => {
    const wire = get + echo("split anywhere") + getAndClose
    const got = await raw([...wire])
    expect(statuses(got)).toEqual([200, 200, 200])
    expect(got).toContain("split anywhere")
  })

  it("HTTP/1.0 closes after one answer unless it asks for keep-alive", async () => {
    expect(statuses(await raw(["GET / HTTP/1.0\r\n\r\n" + get]))).toEqual([200])
    const kept = await raw(["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + getAndClose])
    expect(statuses(kept)).toEqual([200, 200])
    expect(kept).toContain("Connection: keep-alive\r\n")
  })

  const rejected: ReadonlyArray<[string, string, number]> = [
    ["a bare LF (lines must end with CRLF, rejected as llhttp does)", "GET / HTTP/1.1\nHost: x\n\n", 400],
    ["an oversized head (over 16 KiB)", `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ["a non-numeric Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", 400],
    ["a negative Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400],
    [
      "two different Content-Lengths",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      400
    ],
    [
      "an invalid chunk size",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
      400
    ],
    ["a body over 8 MiB", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n", 413],
    ["a transfer coding other than chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["HTTP/2.0 on an HTTP/1.1 port", "GET / HTTP/2.0\r\n\r\n", 505]
  ]

  it.each(rejected)("%s: its status with Connection: close, then the server still serves", async (_, wire, status) => {
    // a valid request before the bad one is still answered
    const got = await raw([get + wire])
    expect(statuses(got)).toEqual([200, status])
    expect(got).toMatch(new RegExp(`HTTP/1\\.1 ${status} [^\\r]*\\r\\nConnection: close\\r\\n`))
    expect(statuses(await raw([getAndClose]))).toEqual([200])
  })

  it("a client stuck in the middle of a request does not hold up the others", async () => {
    const stuck = net.connect({ port, host: "127.0.0.1" })
    const answer = new Promise<string>((resolve) => {
      const received: Array<Buffer> = []
      stuck.on("data", (chunk) => received.push(chunk))
      stuck.on("close", () => resolve(Buffer.concat(received).toString("latin1")))
    })
    await new Promise((done) => stuck.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Le", done))
    expect((await curl(`${base}/`, `${base}/`)).toString()).toBe("hellohello")
    stuck.end("ngth: 5\r\nConnection: close\r\n\r\nlater")
    expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nlater$/)
  })

  it("a truncated body then FIN: the connection is closed without an answer (nothing whole arrived)", async () => {
    const truncated = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
    const got = await raw([truncated], { end: true })
    expect(got).toBe("")
    await server.waitFor(new RegExp(`closed ${truncated.length} bytes into a request`))
    expect(statuses(await raw([getAndClose]))).toEqual([200])
  })

  it("a truncated body after a whole request: that one answered, then closed", async () => {
    const got = await raw([get + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"], { end: true })
    expect(statuses(got)).toEqual([200])
  })
})
