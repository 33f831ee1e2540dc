/**
 * The HTTP/1.1 request framer of examples/http1-server.ts: one
 * `Framing.make` state machine whose framing switches mid-stream.
 *
 * ```text
 *            +-------+  request line  +---------+  empty line, Content-Length: n  +------+
 *  bytes --> | start | -------------> | headers | ------------------------------> | body | --> request
 *            +-------+                +---------+                                 +------+
 *                ^                      |     |  empty line, no body                  |
 *                |                      |     +-------------------------------------> request
 *                |                      |  empty line, Transfer-Encoding: chunked
 *                |                      v
 *                |                 +-----------+  size > 0   +-----------+
 *                |                 | chunkSize | ----------> | chunkData | (data, then CRLF)
 *                |                 |           | <---------- |           |
 *                |                 +-----------+             +-----------+
 *                |                      |  size 0
 *                |                      v
 *                |                 +----------+  empty line
 *                +---------------- | trailers | -----------> request
 *                                  +----------+
 * ```
 *
 * Lines (request line, header fields, chunk sizes, trailers) are found by one
 * resumable `ByteQueue.search("\n")`, so every byte is scanned once however
 * TCP cut the stream; bodies are taken with `ByteQueue.take` (a view when the
 * bytes lie in one chunk, else one copy). Nothing is re-concatenated.
 *
 * Decisions a server has to make, and the ones made here:
 * - Lines end with CRLF. A bare LF is rejected with 400 (RFC 9112 §2.2 allows
 *   either; rejecting is what llhttp, Node's parser, does unless lenient, and
 *   a server that reads LF-only lines where a proxy in front of it does not
 *   is how request smuggling starts).
 * - Empty lines before a request line are skipped (RFC 9112 §2.2: a client
 *   may send a CRLF after a body), but count against the head size limit.
 * - A head over `maxHeadBytes` is 431 (414 when it is the request line).
 * - `Content-Length` must be digits; repeated, all copies must agree (RFC
 *   9110 §8.6); with `Transfer-Encoding` as well it is 400 (a smuggling
 *   vector, RFC 9112 §6.3). Only the `chunked` coding is implemented: others
 *   are 501. A body over `maxBodyBytes` is 413, known from the header (or the
 *   chunk size) before any of it is buffered.
 * - HTTP/1.1 requests need exactly one `Host` (RFC 9112 §3.2); versions
 *   other than 1.0 and 1.1 are 505.
 * - `Expect: 100-continue` on a request with a body emits `ExpectContinue`
 *   before the request, once its head is read, so the server can say
 *   "100 Continue" while the client waits (curl does, for large uploads).
 * - End of input inside a request (even a lone CRLF after the last one) is
 *   a `Framing.TruncatedFrameError`: nothing whole arrived, nothing to answer.
 */
import { Buffer } from "node:buffer"
import { Data } from "effect"
import { Framing } from "effect-net"

/** A header or trailer field, name as sent (compare names case-insensitively). */
export type Field = readonly [name: string, value: string]

/** One whole request: head, body (de-chunked) and trailers. */
export interface HttpRequest {
  readonly _tag: "HttpRequest"
  readonly method: string
  readonly target: string
  readonly version: "HTTP/1.0" | "HTTP/1.1"
  readonly headers: ReadonlyArray<Field>
  readonly body: Uint8Array
  /** Fields after a chunked body; always empty otherwise. */
  readonly trailers: ReadonlyArray<Field>
}

/** The head of a request with `Expect: 100-continue` was read; its body has not been (or not all). */
export interface ExpectContinue {
  readonly _tag: "ExpectContinue"
}

/** What the decoder emits. */
export type HttpInput = HttpRequest | ExpectContinue

/** The statuses a parse error answers with. */
export type ErrorStatus = 400 | 413 | 414 | 431 | 501 | 505

/** The bytes are not an HTTP/1.1 request this server accepts; `status` is the response it deserves. */
export class HttpParseError extends Data.TaggedError("HttpParseError")<{
  readonly status: ErrorStatus
  readonly reason: string
}> {
  override get message() {
    return `${this.status}: ${this.reason}`
  }
}

/** Everything the framer fails with: a bad request, or the input ended inside one. */
export type Http1Error = HttpParseError | Framing.TruncatedFrameError

export interface Http1Options {
  /** Request line + header fields (CRLFs included), and separately the trailers; default 16 KiB, as Node. */
  readonly maxHeadBytes?: number | undefined
  /** The longest body, after de-chunking; default 8 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** `encode` only: a chunked body is written in chunks of at most this many bytes; default 16 KiB. */
  readonly chunkSize?: number | undefined
}

export const expectContinue: ExpectContinue = { _tag: "ExpectContinue" }

// ---------------------------------------------------------------------------
// the grammar, shared by decode (bytes -> request) and encode (which refuses
// a request the decoder would not give back)
// ---------------------------------------------------------------------------

const tchar = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]"
const requestLineRe = new RegExp(`^(${tchar}+) ([^\\x00-\\x20\\x7f-\\uffff]+) HTTP/(\\d)\\.(\\d)$`)
// field-value: visible ASCII, obs-text, and spaces/tabs inside; the ones around it are not part of it
const fieldRe = new RegExp(`^(${tchar}+):[ \\t]*((?:[\\x21-\\x7e\\x80-\\xff](?:[ \\t\\x21-\\x7e\\x80-\\xff]*[\\x21-\\x7e\\x80-\\xff])?)?)[ \\t]*$`)
const chunkSizeRe = /^([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/
const digitsRe = /^\d+$/

const fail = (status: ErrorStatus, reason: string) => new HttpParseError({ status, reason })

const parseRequestLine = (line: string) => {
  const match = requestLineRe.exec(line)
  if (match === null) return fail(400, `malformed request line ${JSON.stringify(line)}`)
  const [, method, target, major, minor] = match
  if (major !== "1" || (minor !== "0" && minor !== "1")) return fail(505, `HTTP/${major}.${minor} is not supported`)
  return { method: method!, target: target!, version: minor === "0" ? "HTTP/1.0" as const : "HTTP/1.1" as const }
}

const parseField = (line: string): Field | HttpParseError => {
  const match = fieldRe.exec(line)
  if (match === null) {
    // obs-fold (a continuation line) is named, as RFC 9112 §5.2 says to reject it
    return fail(400, /^[ \t]/.test(line) ? "obsolete line folding" : `malformed header field ${JSON.stringify(line)}`)
  }
  return [match[1]!, match[2]!]
}

/** The elements of a comma-separated field value (RFC 9110 §5.6.1), empty ones included. */
const elements = (value: string): Array<string> => value.split(",").map((s) => s.trim())

/** All elements of every field named `name` (lower case), comma lists split. */
const values = (fields: ReadonlyArray<Field>, name: string): Array<string> =>
  fields.flatMap(([n, v]) => n.toLowerCase() === name ? elements(v) : [])

/** How the body of a request is delimited, or why the head cannot say. */
type BodyFraming = { readonly _tag: "length"; readonly length: number } | { readonly _tag: "chunked" }

const bodyFraming = (
  version: HttpRequest["version"],
  headers: ReadonlyArray<Field>,
  maxBodyBytes: number
): BodyFraming | HttpParseError => {
  // one pass over the fields: this runs for every request, and most have none of these but Host
  let hosts = 0
  let codings: Array<string> | undefined
  let lengths: Array<string> | undefined
  for (const [name, value] of headers) {
    switch (name.toLowerCase()) {
      case "host":
        hosts++
        break
      case "transfer-encoding":
        ;(codings ??= []).push(...elements(value.toLowerCase()))
        break
      case "content-length":
        ;(lengths ??= []).push(...elements(value))
    }
  }
  if (hosts > 1 || (hosts === 0 && version === "HTTP/1.1")) return fail(400, `${hosts} Host fields (exactly one needed)`)
  if (codings !== undefined) {
    if (version === "HTTP/1.0") return fail(400, "Transfer-Encoding in an HTTP/1.0 request")
    if (lengths !== undefined) return fail(400, "both Transfer-Encoding and Content-Length")
    if (codings.includes("")) return fail(400, "an empty transfer coding")
    if (codings.length !== 1 || codings[0] !== "chunked") {
      return fail(501, `Transfer-Encoding ${codings.join(", ")} is not implemented (only chunked)`)
    }
    return chunked
  }
  if (lengths === undefined) return noBody
  if (!lengths.every((l) => digitsRe.test(l))) return fail(400, `bad Content-Length ${lengths.join(", ")}`)
  const length = Number(lengths[0])
  if (!lengths.every((l) => Number(l) === length)) return fail(400, `conflicting Content-Length ${lengths.join(", ")}`)
  if (length > maxBodyBytes) return fail(413, `a body of ${length} bytes (the limit is ${maxBodyBytes})`)
  return { _tag: "length", length }
}

const chunked: BodyFraming = { _tag: "chunked" }
const noBody: BodyFraming = { _tag: "length", length: 0 }

const wantsContinue = (version: HttpRequest["version"], headers: ReadonlyArray<Field>) =>
  version === "HTTP/1.1" && values(headers, "expect").some((v) => v.toLowerCase() === "100-continue")

// ---------------------------------------------------------------------------
// decode
// ---------------------------------------------------------------------------

const CR = 0x0d
const maxChunkLine = 4096

type State = "start" | "headers" | "body" | "chunkSize" | "chunkData" | "trailers"

/** A line was too long: the status that says so, by what it was. */
const tooLong: Record<"start" | "headers" | "chunkSize" | "trailers", [ErrorStatus, string]> = {
  start: [414, "request line"],
  headers: [431, "request head"],
  chunkSize: [400, "chunk size line"],
  trailers: [431, "trailer section"]
}

class Http1Decoder implements Framing.FrameDecoder<HttpInput, Http1Error> {
  private readonly queue = new Framing.ByteQueue()
  private readonly lines = this.queue.search("\n")
  private state: State = "start"
  /** bytes pushed since the decoder was made, and where the request being read began among them */
  private pushed = 0
  private requestStart = 0
  /** bytes of the current line-based section (head, or trailers): what the size limit counts */
  private sectionBytes = 0
  private headLength = 0
  // the request being read
  private line: Exclude<ReturnType<typeof parseRequestLine>, HttpParseError> | undefined
  private headers: Array<Field> = []
  private trailers: Array<Field> = []
  private parts: Array<Uint8Array> = []
  private bodyLength = 0
  /** body bytes still to come: of the whole body (state body), or of the current chunk (chunkData) */
  private remaining = 0

  constructor(private readonly maxHeadBytes: number, private readonly maxBodyBytes: number) {}

  push(chunk: Uint8Array, out: Array<HttpInput>): Http1Error | undefined {
    this.queue.push(chunk)
    this.pushed += chunk.length
    for (;;) {
      const step = this.step(out)
      if (step !== "progress") return step
    }
  }

  end(): Http1Error | undefined {
    const received = this.pushed - this.requestStart
    if (received === 0) return undefined
    // a Content-Length body is the one case where the request's size on the wire is known
    return this.state === "body"
      ? new Framing.TruncatedFrameError({
        received,
        expected: this.headLength + this.bodyLength,
        headerLength: this.headLength
      })
      : new Framing.TruncatedFrameError({ received })
  }

  /** One transition: "progress", or undefined when more bytes are needed, or the error that stops the stream. */
  private step(out: Array<HttpInput>): "progress" | Http1Error | undefined {
    const queue = this.queue
    switch (this.state) {
      case "body": {
        if (queue.length < this.remaining) return undefined
        this.parts.push(queue.take(this.remaining))
        return this.emit(out)
      }
      case "chunkData": {
        // the data, then the CRLF that closes it
        if (queue.length < this.remaining + 2) return undefined
        this.parts.push(queue.take(this.remaining))
        if (queue.byteAt(0) !== CR || queue.byteAt(1) !== 0x0a) return fail(400, "chunk data not followed by CRLF")
        queue.skip(2)
        this.state = "chunkSize"
        return "progress"
      }
      default: {
        const line = this.readLine(this.state)
        if (typeof line !== "string") return line
        return this.onLine(line, out)
      }
    }
  }

  /** The next line without its CRLF, undefined until it is all here, or why it cannot be one. */
  private readLine(state: keyof typeof tooLong): string | undefined | HttpParseError {
    const limit = state === "chunkSize" ? maxChunkLine : this.maxHeadBytes - this.sectionBytes
    const at = this.lines.next()
    if (at < 0) {
      // no LF yet: everything queued belongs to this line
      return this.queue.length > limit ? this.overLimit(state) : undefined
    }
    if (at + 1 > limit) return this.overLimit(state)
    if (at === 0 || this.queue.byteAt(at - 1) !== CR) return fail(400, "a line ending in a bare LF (CRLF needed)")
    const bytes = this.queue.take(at + 1)
    if (state !== "chunkSize") this.sectionBytes += at + 1
    return latin1(bytes, at - 1)
  }

  private overLimit(state: keyof typeof tooLong): HttpParseError {
    const [status, what] = tooLong[state]
    const limit = state === "chunkSize" ? maxChunkLine : this.maxHeadBytes
    return fail(status, `${what} longer than ${limit} bytes`)
  }

  private onLine(line: string, out: Array<HttpInput>): "progress" | Http1Error | undefined {
    switch (this.state) {
      case "start": {
        if (line === "") return "progress"
        const requestLine = parseRequestLine(line)
        if (requestLine instanceof HttpParseError) return requestLine
        this.line = requestLine
        this.state = "headers"
        return "progress"
      }
      case "headers": {
        if (line !== "") return this.addField(this.headers, line)
        return this.onHead(out)
      }
      case "chunkSize": {
        const match = chunkSizeRe.exec(line)
        if (match === null) return fail(400, `bad chunk size line ${JSON.stringify(line)}`)
        const size = parseInt(match[1]!, 16)
        if (this.bodyLength + size > this.maxBodyBytes) {
          return fail(413, `a chunked body over ${this.maxBodyBytes} bytes`)
        }
        this.bodyLength += size
        if (size === 0) {
          this.state = "trailers"
          this.sectionBytes = 0
        } else {
          this.state = "chunkData"
          this.remaining = size
        }
        return "progress"
      }
      default: {
        // trailers
        if (line !== "") return this.addField(this.trailers, line)
        return this.emit(out)
      }
    }
  }

  private addField(fields: Array<Field>, line: string): "progress" | HttpParseError {
    const field = parseField(line)
    if (field instanceof HttpParseError) return field
    fields.push(field)
    return "progress"
  }

  /** The empty line after the headers: the head decides how the body is framed. */
  private onHead(out: Array<HttpInput>): "progress" | HttpParseError {
    const { version } = this.line!
    const framing = bodyFraming(version, this.headers, this.maxBodyBytes)
    if (framing instanceof HttpParseError) return framing
    this.headLength = this.sectionBytes
    const hasBody = framing._tag === "chunked" || framing.length > 0
    if (hasBody && wantsContinue(version, this.headers)) out.push(expectContinue)
    if (framing._tag === "chunked") {
      this.state = "chunkSize"
    } else {
      this.state = "body"
      this.remaining = this.bodyLength = framing.length
    }
    return "progress"
  }

  private emit(out: Array<HttpInput>): "progress" {
    const { method, target, version } = this.line!
    out.push({
      _tag: "HttpRequest",
      method,
      target,
      version,
      headers: this.headers,
      body: join(this.parts, this.bodyLength),
      trailers: this.trailers
    })
    this.state = "start"
    this.requestStart = this.pushed - this.queue.length
    this.line = undefined
    this.headers = []
    this.trailers = []
    this.parts = []
    this.sectionBytes = this.headLength = this.bodyLength = this.remaining = 0
    return "progress"
  }
}

/** The body parts as one array: the part itself when there is one, else one copy of each. */
const join = (parts: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  const body = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    body.set(part, at)
    at += part.length
  }
  return body
}

/** The first `length` bytes as a string, one char per byte (header bytes are not UTF-8: RFC 9110 §5.5). */
const latin1 = (bytes: Uint8Array, length: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1")

// ---------------------------------------------------------------------------
// encode: a request back to bytes (for clients and for the property tests)
// ---------------------------------------------------------------------------

/**
 * A request as wire bytes: its head as given, then its body as its headers
 * frame it (`Content-Length`, which must match, or chunked in chunks of
 * `chunkSize`, with its trailers). A request the decoder would not give back
 * as it is (a field with spaces around its value, a body without framing
 * headers, over the limits) is refused with the `HttpParseError` the decoder
 * would have failed with. `ExpectContinue` encodes to no bytes: it is what
 * the decoder says about the request after it, not part of the wire.
 */
const encode = (maxHeadBytes: number, maxBodyBytes: number, chunkSize: number) =>
(input: HttpInput): Uint8Array | HttpParseError => {
  if (input._tag === "ExpectContinue") return new Uint8Array(0)
  const requestLine = `${input.method} ${input.target} ${input.version}`
  const parsed = parseRequestLine(requestLine)
  if (parsed instanceof HttpParseError) return parsed
  if (parsed.method !== input.method || parsed.target !== input.target || parsed.version !== input.version) {
    return fail(400, `request line ${JSON.stringify(requestLine)} does not parse back`)
  }
  const head = fieldLines(requestLine, input.headers)
  if (typeof head !== "string") return head
  if (head.length > maxHeadBytes) return fail(431, `request head longer than ${maxHeadBytes} bytes`)
  const framing = bodyFraming(input.version, input.headers, maxBodyBytes)
  if (framing instanceof HttpParseError) return framing
  if (framing._tag === "length") {
    if (framing.length !== input.body.length || input.trailers.length > 0) {
      return fail(400, `Content-Length ${framing.length} for a body of ${input.body.length} bytes and trailers`)
    }
    return concat([latin1Bytes(head), input.body])
  }
  if (input.body.length > maxBodyBytes) return fail(413, `a chunked body over ${maxBodyBytes} bytes`)
  const trailers = fieldLines("", input.trailers)
  if (typeof trailers !== "string") return trailers
  if (trailers.length - 2 > maxHeadBytes) return fail(431, `trailer section longer than ${maxHeadBytes} bytes`)
  const parts = [latin1Bytes(head)]
  for (let at = 0; at < input.body.length; at += chunkSize) {
    const data = input.body.subarray(at, at + chunkSize)
    parts.push(latin1Bytes(`${data.length.toString(16)}\r\n`), data, CRLF)
  }
  // the last chunk, the trailers, the empty line; `fieldLines` starts with a CRLF after the empty first line
  parts.push(latin1Bytes(`0${trailers}`))
  return concat(parts)
}

/** `first` and each field as CRLF-terminated lines plus the empty line, or the field that does not parse back. */
const fieldLines = (first: string, fields: ReadonlyArray<Field>): string | HttpParseError => {
  let text = `${first}\r\n`
  for (const [name, value] of fields) {
    const line = `${name}: ${value}`
    const parsed = parseField(line)
    if (parsed instanceof HttpParseError) return parsed
    if (parsed[0] !== name || parsed[1] !== value) return fail(400, `field ${JSON.stringify(line)} does not parse back`)
    text += `${line}\r\n`
  }
  return `${text}\r\n`
}

const CRLF = Uint8Array.of(CR, 0x0a)

const latin1Bytes = (text: string): Uint8Array => {
  const buffer = Buffer.from(text, "latin1")
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array =>
  join(parts, parts.reduce((n, part) => n + part.length, 0))

/** The HTTP/1.1 request framer: bytes in any chunking -> `HttpInput`s, and requests back to bytes. */
export const http1 = (options: Http1Options = {}): Framing.Framer<HttpInput, Http1Error> => {
  const maxHeadBytes = options.maxHeadBytes ?? 16 * 1024
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024
  return Framing.make<HttpInput, Http1Error>({
    decoder: () => new Http1Decoder(maxHeadBytes, maxBodyBytes),
    encode: encode(maxHeadBytes, maxBodyBytes, options.chunkSize ?? 16 * 1024)
  })
}

/** Whether the connection stays open after this request (RFC 9112 §9.3). */
export const keepAlive = (request: HttpRequest): boolean => {
  const tokens = values(request.headers, "connection").map((t) => t.toLowerCase())
  return request.version === "HTTP/1.1" ? !tokens.includes("close") : tokens.includes("keep-alive")
}
