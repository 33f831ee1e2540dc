import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as fc from "effect/FastCheck"
import { Framing } from "effect-net"
import * as Testing from "effect-net/testing"
import {
  expectContinue,
  type Field,
  http1,
  type HttpInput,
  HttpParseError,
  type HttpRequest,
  keepAlive
} from "../../examples/http1/framer.js"

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

/** Everything the framer gives for `chunks`, pushed one at a time as a socket reads them. */
const decode = (chunks: ReadonlyArray<string | Uint8Array>, options?: Parameters<typeof http1>[0]) => {
  const decoder = http1(options).decoder()
  const out: Array<HttpInput> = []
  for (const chunk of chunks) {
    const error = decoder.push(typeof chunk === "string" ? latin1(chunk) : chunk, out)
    if (error !== undefined) return { out, error }
  }
  return { out, error: decoder.end(out) }
}

const request = (fields: Partial<HttpRequest>): HttpRequest => ({
  _tag: "HttpRequest",
  method: "GET",
  target: "/",
  version: "HTTP/1.1",
  headers: [["Host", "x"]],
  body: new Uint8Array(0),
  trailers: [],
  ...fields
})

const rejects = (wire: string, status: number, reason: RegExp, options?: Parameters<typeof http1>[0]) => {
  const { error, out } = decode([wire], options)
  expect(out).toEqual([])
  expect(error).toBeInstanceOf(HttpParseError)
  expect(error).toMatchObject({ status })
  expect((error as HttpParseError).reason).toMatch(reason)
}

describe("http1 framer: requests", () => {
  it("a GET, with its headers as sent", () => {
    const { error, out } = decode(["GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Y:  spaced  value \t\r\n\r\n"])
    expect(error).toBeUndefined()
    expect(out).toEqual([request({ target: "/a?b=c", headers: [["Host", "x"], ["X-Y", "spaced  value"]] })])
  })

  it("a Content-Length body, and two copies of the same length", () => {
    const { out } = decode(["POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5, 5\r\n\r\nhello"])
    expect((out[0] as HttpRequest).body).toEqual(latin1("hello"))
  })

  it("a chunked body with extensions and trailers, de-chunked", () => {
    const wire = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5;name=value\r\nhello\r\n1 \r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n"
    const { error, out } = decode([wire])
    expect(error).toBeUndefined()
    expect(out).toEqual([request({
      method: "POST",
      target: "/echo",
      headers: [["Host", "x"], ["Transfer-Encoding", "chunked"]],
      body: latin1("hello 0123456789"),
      trailers: [["X-Sum", "1"]]
    })])
  })

  it("pipelined requests in one chunk, and the same bytes one byte at a time", () => {
    const wire = "GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" +
      "GET /last HTTP/1.0\r\n\r\n"
    const whole = decode([wire])
    expect(whole.error).toBeUndefined()
    expect(whole.out.map((r) => (r as HttpRequest).target)).toEqual(["/", "/echo", "/last"])
    expect(decode([...wire])).toEqual(whole)
  })

  it("empty lines before a request line are skipped (RFC 9112 §2.2)", () => {
    const { out } = decode(["\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"])
    expect(out).toEqual([request({})])
  })

  it("Expect: 100-continue on a body: ExpectContinue as soon as the head is read", () => {
    const head = "PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"
    const decoder = http1().decoder()
    const out: Array<HttpInput> = []
    expect(decoder.push(latin1(head), out)).toBeUndefined()
    expect(out).toEqual([expectContinue])
    decoder.push(latin1("abc"), out)
    expect(out.map((i) => i._tag)).toEqual(["ExpectContinue", "HttpRequest"])
    // nothing to wait for without a body, nor in HTTP/1.0
    expect(decode(["GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"]).out.map((i) => i._tag))
      .toEqual(["HttpRequest"])
    expect(decode(["PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n."]).out.map((i) => i._tag))
      .toEqual(["HttpRequest"])
  })

  it("a body that lies in one chunk is a view of it, not a copy", () => {
    const chunk = latin1("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    const body = (decode([chunk]).out[0] as HttpRequest).body
    expect(body.buffer).toBe(chunk.buffer)
  })

  it("keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with Connection: keep-alive", () => {
    expect(keepAlive(request({}))).toBe(true)
    expect(keepAlive(request({ headers: [["Host", "x"], ["Connection", "foo, Close"]] }))).toBe(false)
    expect(keepAlive(request({ version: "HTTP/1.0", headers: [] }))).toBe(false)
    expect(keepAlive(request({ version: "HTTP/1.0", headers: [["Connection", "Keep-Alive"]] }))).toBe(true)
  })
})

describe("http1 framer: each rejection has its status", () => {
  it("a bare LF is 400 (lines end with CRLF)", () => rejects("GET / HTTP/1.1\nHost: x\n\n", 400, /bare LF/))
  it("a malformed request line is 400", () => rejects("GET  / HTTP/1.1\r\n", 400, /request line/))
  it("HTTP/2.0 is 505", () => rejects("GET / HTTP/2.0\r\n", 505, /HTTP\/2\.0/))
  it("no Host in HTTP/1.1, or two, is 400", () => {
    rejects("GET / HTTP/1.1\r\n\r\n", 400, /0 Host/)
    rejects("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, /2 Host/)
  })
  it("a field without a colon, a space before it, or folded, is 400", () => {
    rejects("GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, /malformed header/)
    rejects("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, /malformed header/)
    rejects("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400, /folding/)
    rejects("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400, /malformed header/)
  })
  it("a head over the limit is 431, a request line over it 414, as soon as that is known", () => {
    rejects(`GET / HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(100)}`, 431, /longer than 64/, { maxHeadBytes: 64 })
    rejects(`GET /${"a".repeat(100)}`, 414, /request line longer than 64/, { maxHeadBytes: 64 })
  })
  it("a bad Content-Length is 400: not digits, negative, empty, or two different values", () => {
    for (const value of ["abc", "-1", "", "1e3", "5, 6"]) {
      rejects(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${value}\r\n\r\n`, 400, /Content-Length/)
    }
    rejects("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, /conflicting/)
  })
  it("Transfer-Encoding with Content-Length, or in HTTP/1.0, is 400; a coding other than chunked 501", () => {
    rejects("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400, /both/)
    rejects("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, /HTTP\/1\.0/)
    rejects("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, /gzip, chunked/)
  })
  it("a body over the limit is 413, from the header, before any of it arrives", () => {
    rejects("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", 413, /11 bytes/, { maxBodyBytes: 10 })
    rejects(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n",
      413,
      /over 10 bytes/,
      { maxBodyBytes: 10 }
    )
  })
  it("a bad chunk size, or chunk data without its CRLF, is 400", () => {
    const head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    rejects(`${head}zz\r\n`, 400, /chunk size/)
    rejects(`${head}-1\r\n`, 400, /chunk size/)
    rejects(`${head}3\r\nabcd\r\n`, 400, /CRLF/)
    rejects(`${head}${"0".repeat(5000)}`, 400, /chunk size line longer/)
  })
  it("input that ends inside a request is a TruncatedFrameError, sized when Content-Length says", () => {
    const head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    expect(decode([head, "abc"]).error).toEqual(
      new Framing.TruncatedFrameError({ received: head.length + 3, expected: head.length + 10, headerLength: head.length })
    )
    expect(decode(["GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /"]).error).toEqual(
      new Framing.TruncatedFrameError({ received: 5 })
    )
    expect(decode(["GET / HTTP/1.1\r\nHost: x\r\n\r\n"]).error).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------
// properties, with effect-net/testing
// ---------------------------------------------------------------------------

const tokenChars = fc.constantFrom(..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
const token = fc.string({ unit: tokenChars, minLength: 1, maxLength: 8 })
// visible ASCII and obs-text (0x80-0xff), with spaces and tabs only inside
const valueChar = fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
  .map((c) => String.fromCharCode(c))
const fieldValue = fc.oneof(
  fc.constant(""),
  fc.tuple(valueChar, fc.string({ unit: fc.oneof(valueChar, fc.constantFrom(" ", "\t")), maxLength: 12 }), valueChar)
    .map(([a, middle, b]) => a + middle + b)
)
// names that decide framing are set by the request arbitrary, not drawn at random
const framingNames = ["host", "content-length", "transfer-encoding", "expect"]
const field: fc.Arbitrary<Field> = fc.tuple(token, fieldValue)
  .filter(([name]) => !framingNames.includes(name.toLowerCase()))
const target = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abc/?=&%20-._~"), maxLength: 16 }).map((path) => `/${path}`),
  fc.constant("*"),
  fc.constant("http://example.com:80/x")
)

/** Any request the framer can round-trip: Content-Length or chunked bodies (with trailers), HTTP/1.0 and 1.1. */
const requests: fc.Arbitrary<HttpInput> = fc.record({
  method: fc.oneof(fc.constantFrom("GET", "POST", "PUT", "M-SEARCH"), token),
  target,
  version: fc.constantFrom("HTTP/1.1" as const, "HTTP/1.1" as const, "HTTP/1.0" as const),
  fields: fc.array(field, { maxLength: 4 }),
  body: fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 300 })),
  chunked: fc.boolean(),
  trailers: fc.array(field, { maxLength: 2 })
}).map(({ body, chunked, fields, method, target, trailers, version }): HttpRequest => {
  const isChunked = chunked && version === "HTTP/1.1"
  const framing: Array<Field> = isChunked
    ? [["Transfer-Encoding", "chunked"]]
    : body.length > 0 || fields.length % 2 === 1
    ? [["Content-Length", String(body.length)]]
    : []
  const host: Array<Field> = version === "HTTP/1.1" ? [["Host", "example.com"]] : []
  return {
    _tag: "HttpRequest",
    method,
    target,
    version,
    headers: [...host, ...fields, ...framing],
    body,
    trailers: isChunked ? trailers : []
  }
})

// small chunks on the wire, so that a body is several of them
const framer = http1({ chunkSize: 7, maxHeadBytes: 1024, maxBodyBytes: 4096 })

const wireOf = (input: HttpInput) => Either.getOrThrow(framer.encodeFrame(input))

/** HTTP-looking garbage: the pieces of requests, in any order, so the parser gets past byte 0. */
const pieces = fc.array(
  fc.constantFrom(
    "GET",
    "POST",
    " ",
    "/",
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/2.0",
    "\r\n",
    "\r\n\r\n",
    "\n",
    "\r",
    "Host: x",
    "Content-Length: ",
    "Transfer-Encoding: chunked",
    "Expect: 100-continue",
    "Connection: close",
    ": ",
    "0",
    "5",
    "ff",
    "-1",
    ";ext",
    "\t",
    "abc",
    "\u0000",
    "\u00ff"
  ),
  { maxLength: 40 }
).map((xs) => latin1(xs.join("")))

/** A valid request with a few bytes overwritten, inserted or removed. */
const mutated = fc.tuple(requests, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(2)), {
  minLength: 1,
  maxLength: 3
})).map(([input, edits]) => {
  const bytes = Array.from(wireOf(input))
  for (const [at, byte, kind] of edits) {
    const i = at % (bytes.length + 1)
    if (kind === 0) bytes[i] = byte
    else if (kind === 1) bytes.splice(i, 0, byte)
    else bytes.splice(i, 1)
  }
  return Uint8Array.from(bytes)
})

const isHttpError = (error: unknown) =>
  error instanceof HttpParseError || error instanceof Framing.TruncatedFrameError

describe("http1 framer: properties (effect-net/testing)", () => {
  const chunking = Testing.chunkingInvariant(framer, requests)
  it.prop("requests do not depend on where TCP cut the bytes", chunking.arbitraries, chunking.predicate, {
    fastCheck: { numRuns: 300 }
  })

  const prefixes = Testing.prefixesTruncate(framer, requests)
  it.prop(
    "a stream cut short is a TruncatedFrameError after the whole requests",
    prefixes.arbitraries,
    prefixes.predicate,
    { fastCheck: { numRuns: 300 } }
  )

  const garbage = fc.oneof(Testing.garbage, pieces, mutated)
  const typed = Testing.garbageIsTyped(framer, { garbage, isError: isHttpError })
  it.prop("garbage only ever fails with HttpParseError or TruncatedFrameError, however cut", typed.arbitraries, typed.predicate, {
    fastCheck: { numRuns: 500 }
  })

  it("the HTTP-ish garbage gets past the first byte: some of it parses, some fails at each status", () => {
    const seen = new Set<string>()
    for (const bytes of fc.sample(fc.oneof(pieces, mutated), { numRuns: 2000, seed: 1 })) {
      const { error, out } = decode([bytes], { chunkSize: 7, maxHeadBytes: 1024, maxBodyBytes: 4096 })
      if (out.length > 0) seen.add("request")
      if (error instanceof HttpParseError) seen.add(String(error.status))
      if (error instanceof Framing.TruncatedFrameError) seen.add("truncated")
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(["400", "505", "request", "truncated"]))
  })

  it("encode refuses what the decoder would not give back, with the decoder's error", () => {
    const refused = (fields: Partial<HttpRequest>) => Either.getLeft(framer.encodeFrame(request(fields)))
    expect(refused({ headers: [["Host", "x"], ["X", " padded"]] })).toMatchObject({ _tag: "Some", value: { status: 400 } })
    expect(refused({ headers: [] })).toMatchObject({ value: { status: 400, reason: "0 Host fields (exactly one needed)" } })
    expect(refused({ body: latin1("no length") })).toMatchObject({ value: { status: 400 } })
    expect(refused({ target: "/a b" })).toMatchObject({ value: { status: 400 } })
    expect(refused({ headers: [["Host", "x"], ["X", "a".repeat(2000)]] })).toMatchObject({ value: { status: 431 } })
    expect(Either.isRight(framer.encodeFrame(expectContinue))).toBe(true)
  })

  it("a chunked encoding is cut in chunkSize pieces and decodes back", () => {
    const sent = request({
      method: "POST",
      headers: [["Host", "x"], ["Transfer-Encoding", "chunked"]],
      body: latin1("0123456789abcdef"),
      trailers: [["X-T", "1"]]
    })
    const wire = new TextDecoder().decode(wireOf(sent))
    expect(wire).toBe(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "7\r\n0123456\r\n7\r\n789abcd\r\n2\r\nef\r\n0\r\nX-T: 1\r\n\r\n"
    )
    expect(decode([wire]).out).toEqual([sent])
  })
})
