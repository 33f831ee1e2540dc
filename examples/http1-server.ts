/**
 * A minimal HTTP/1.1 server on effect-net, to show a real protocol on
 * `Framing.make`: the whole request parser is one state machine
 * (examples/http1/framer.ts) that frames a head up to its empty line, then a
 * Content-Length or chunked body, and gives typed requests — or a typed
 * `HttpParseError` carrying the status it deserves.
 *
 *   GET  /       -> 200 "hello"
 *   POST /echo   -> 200 with the request body back (Content-Length: its length)
 *   anything else -> 404
 *
 * Keep-alive is the HTTP/1.1 default (`Connection: close` honoured; HTTP/1.0
 * closes unless it asks for keep-alive); pipelined requests are answered in
 * order, the answers to one read going out in one write. A request the
 * framer rejects gets its 400 / 413 / 414 / 431 / 501 / 505 with
 * `Connection: close`, then the connection closes; a peer that stops sending
 * in the middle of a request is closed without an answer. Either way only
 * that connection is affected.
 *
 *   npm run example examples/http1-server.ts [port]     (default 8080)
 *   curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/nope
 *   curl --data-binary @some-file http://127.0.0.1:8080/echo
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { Address, Server } from "effect-net"
import { http1, type HttpParseError, type HttpRequest, keepAlive } from "./http1/framer.js"

const port = Number(process.argv[2] ?? 8080)

interface Response {
  readonly status: number
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body: Uint8Array
}

const reasons: Record<number, string> = {
  100: "Continue",
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  413: "Content Too Large",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
  505: "HTTP Version Not Supported"
}

const text = (s: string) => new TextEncoder().encode(s)

/** The application: a pure function from a request to a response. */
const handle = (request: HttpRequest): Response => {
  if (request.method === "GET" && request.target === "/") return { status: 200, body: text("hello") }
  if (request.method === "POST" && request.target === "/echo") {
    return { status: 200, headers: [["Content-Type", "application/octet-stream"]], body: request.body }
  }
  return { status: 404, body: text(`no ${request.method} ${request.target} here\n`) }
}

/** Status line, headers, Content-Length, and the body, as one array: one write per response at most. */
const serialize = (response: Response, connection: "keep-alive" | "close" | undefined): Uint8Array => {
  let head = `HTTP/1.1 ${response.status} ${reasons[response.status] ?? ""}\r\n`
  for (const [name, value] of response.headers ?? []) head += `${name}: ${value}\r\n`
  if (connection !== undefined) head += `Connection: ${connection}\r\n`
  head += `Content-Length: ${response.body.length}\r\n\r\n`
  const bytes = new Uint8Array(head.length + response.body.length)
  bytes.set(text(head), 0)
  bytes.set(response.body, head.length)
  return bytes
}

const answer = (request: HttpRequest): Uint8Array => {
  const open = keepAlive(request)
  // HTTP/1.1 stays open unless told; an HTTP/1.0 client must be told it did
  const connection = !open ? "close" : request.version === "HTTP/1.0" ? "keep-alive" : undefined
  return serialize(handle(request), connection)
}

const rejection = (error: HttpParseError): Uint8Array =>
  serialize({ status: error.status, body: text(`${error.reason}\n`) }, "close")

const continueResponse = text("HTTP/1.1 100 Continue\r\n\r\n")

const framer = http1()

const server = Effect.gen(function*() {
  const running = yield* Server.serve(
    Address.tcp(port),
    (connection) => {
      const peer = Address.format(connection.remoteAddress)
      return connection.read.pipe(
        framer.decode,
        // the last request on this connection is the one that does not keep it alive
        Stream.takeUntil((input) => input._tag === "HttpRequest" && !keepAlive(input)),
        Stream.map((input) => input._tag === "ExpectContinue" ? continueResponse : answer(input)),
        Stream.catchTags({
          HttpParseError: (error) =>
            Stream.fromEffect(Console.log(`${peer}: ${error.message}`).pipe(Effect.as(rejection(error)))),
          TruncatedFrameError: (error) =>
            Stream.fromEffect(Console.log(`${peer}: closed ${error.received} bytes into a request`)).pipe(Stream.drain)
        }),
        // one batched write per chunk of responses: pipelined answers leave together
        Stream.run(connection.sink),
        // an idle keep-alive connection is closed, as any HTTP server does: nothing to report
        Effect.catchTag("IdleTimeoutError", () => Effect.void)
      )
      // returning closes the connection gracefully: flush, FIN, a bounded wait for the peer
    },
    { idleTimeout: "15 seconds", noDelay: true }
  )
  yield* Console.log(`listening on ${Address.format(running.address)}`)
  return yield* Effect.never
})

NodeRuntime.runMain(Layer.launch(Layer.scopedDiscard(server)))
