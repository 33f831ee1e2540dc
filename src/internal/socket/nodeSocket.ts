/**
 * `node:net` glue: a socket as an `Endpoint`. The socket starts paused and is
 * resumed by the first pull; it then reads ahead until `readAheadMark`
 * bytes wait unread and pauses, so unread bytes stay in the kernel and TCP
 * pushes back on the sender. The pull that takes them resumes it at once
 * (the mark is the high one, an empty buffer the low one), so the next kernel
 * read overlaps the owner's work on this one instead of waiting for the pull
 * after it. A parked pull is woken at once by a short read (the kernel had
 * nothing more) and after the turn's other reads by a full one, so a burst of
 * reads reaches the owner as one chunk.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { constVoid } from "effect/Function"
import * as Option from "effect/Option"
import type * as Net from "node:net"
import * as AddressM from "../../Address.js"
import type { Addresses, Endpoint, EndpointOptions } from "./endpoint.js"
import { makeReads, readerOf, waitOn, wake, writeByOffer } from "./endpoint.js"
import { makeSending } from "./nodeSending.js"
import { writeBatch } from "./writeBatch.js"
import { readAheadMark } from "./timeouts.js"
import type { ReadFailure, WriteFailure } from "../../Connection.js"
import { IdleTimeoutError, ReadError, SocketClosedError, WriteError } from "../../Connection.js"

/**
 * A 'data' chunk this long is taken to have filled its read buffer (64 KiB
 * for TCP and pipes; 16 KiB, a full record, for TLS), so more is probably
 * waiting in the same event-loop turn.
 */
const fullRead = 16 * 1024

/**
 * Node's code for an error (`ECONNRESET`, …), `UNKNOWN` when it has none.
 *
 * @internal
 */
export const errorCode = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code
  }
  return "UNKNOWN"
}

/** @internal */
export const tcpAddresses = (socket: Net.Socket): Addresses => ({
  local: AddressM.tcp(socket.localPort ?? 0, socket.localAddress ?? ""),
  remote: AddressM.tcp(socket.remotePort ?? 0, socket.remoteAddress ?? "")
})

/**
 * Wraps a connected socket. Listeners are attached synchronously so that no
 * event is missed between connect and first use. Never throws: it runs
 * inside node's 'connection' / 'connect' listeners, where a throw would be an
 * uncaught exception; a failed setup destroys the socket instead, and reads
 * and writes fail with `ReadError` / `WriteError` carrying the cause's code.
 *
 * @internal
 */
export const makeEndpoint = (
  socket: Net.Socket,
  addresses: Addresses,
  options: EndpointOptions,
  onReadWait: () => void = constVoid
): Endpoint => {
  let chunks: Array<Uint8Array> = []
  let buffered = 0
  let readEnded = false
  let discarding = false
  let readFailure: ReadError | IdleTimeoutError | undefined
  // Why later writes fail once the socket is gone; SocketClosedError if nothing went wrong.
  let writeFailure: WriteError | IdleTimeoutError | undefined
  let closed = false
  const reads = makeReads(onReadWait)
  // A read that filled its buffer says more is waiting: Node delivers the reads of one event-loop turn one
  // 'data' at a time, each followed by a microtask drain, so waking on each would run the consumer per read.
  // Waking after the turn's reads (setImmediate) hands them over as one chunk.
  let wakeScheduled = false
  const wakeLater = () => {
    wakeScheduled = false
    reads.wakeParked()
  }
  const drainWaiters = new Set<() => void>()
  const sending = makeSending(socket, {
    remoteAddress: addresses.remote,
    flushTimeoutMillis: options.flushTimeoutMillis,
    closeTimeoutMillis: options.closeTimeoutMillis,
    failure: () => writeFailure
  })

  const setup = () => {
    // First, so that whatever fails below, the destroy still settles waiters and graceful closes.
    sending.attach()
    socket.on("close", () => {
      closed = true
      reads.wakeParked()
      wake(drainWaiters)
    })
    socket.pause()
    socket.on("data", (data: Buffer) => {
      if (discarding) return
      chunks.push(data)
      buffered += data.byteLength
      if (buffered >= readAheadMark) socket.pause()
      if (!reads.hasParked()) return
      if (data.byteLength < fullRead) reads.wakeParked()
      else if (!wakeScheduled) {
        wakeScheduled = true
        setImmediate(wakeLater)
      }
    })
    socket.on("end", () => {
      readEnded = true
      reads.wakeParked()
    })
    socket.on("error", (cause: Error) => {
      const code = errorCode(cause)
      readFailure ??= new ReadError({ code, cause })
      writeFailure ??= new WriteError({ code, cause })
      reads.wakeParked()
      wake(drainWaiters)
    })
    socket.on("drain", () => wake(drainWaiters))
    // Node emits no 'drain' once the sending side is ended (our `end`, a graceful close, or allowHalfOpen: false
    // after the peer's FIN): a write still waiting for room settles when everything is flushed instead.
    socket.on("finish", () => wake(drainWaiters))
    if (options.idleTimeoutMillis !== undefined && options.idleTimeoutMillis > 0) {
      const timeoutMillis = options.idleTimeoutMillis
      socket.setTimeout(timeoutMillis)
      socket.on("timeout", () => {
        const error = new IdleTimeoutError({ timeoutMillis })
        readFailure ??= error
        writeFailure ??= error
        sending.destroy(`idleTimeout (${timeoutMillis} ms)`)
      })
    }
  }
  try {
    setup()
  } catch (cause) {
    const code = errorCode(cause)
    readFailure ??= new ReadError({ code, cause })
    writeFailure ??= new WriteError({ code, cause })
    sending.destroy(`setting up the socket failed (${code})`)
  }

  const writeClosed = () => closed || socket.destroyed || socket.writableEnded || writeFailure !== undefined

  const resumeReading = () => {
    if (!discarding && socket.isPaused()) socket.resume()
  }
  const poll = (): Chunk.Chunk<Uint8Array> | undefined => {
    if (chunks.length === 0) return undefined
    const out = Chunk.unsafeFromArray(chunks)
    chunks = []
    buffered = 0
    reads.pulled()
    resumeReading()
    return out
  }

  const ready = (): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>> | undefined => {
    const out = poll()
    if (out !== undefined) return Effect.succeed(out)
    // our own graceful close drops the input: for whoever still reads, it has ended
    if (readEnded || discarding) return Effect.fail(Option.none())
    if (readFailure !== undefined) return Effect.fail(Option.some(readFailure))
    if (closed) return Effect.fail(Option.some(new SocketClosedError({ operation: "read" })))
    return undefined
  }

  // A sink waits here once per chunk while the peer is slower: no canceler (`waitOn`).
  const awaitDrain = waitOn<WriteFailure>(drainWaiters, () => {
    if (writeFailure !== undefined) return Effect.fail(writeFailure)
    if (closed || socket.destroyed) return Effect.fail(new SocketClosedError({ operation: "write" }))
    return socket.writableNeedDrain ? undefined : Effect.void
  })

  const offer = (data: ReadonlyArray<Uint8Array>): Effect.Effect<void, WriteFailure> | undefined => {
    if (writeClosed()) {
      // Open but ended: our own `end` (or allowHalfOpen: false after the peer's FIN) closed the sending side.
      const halfClosed = !closed && !socket.destroyed && socket.writableEnded
      return Effect.fail(writeFailure ?? new SocketClosedError({ operation: "write", halfClosed }))
    }
    reads.answered()
    let size = 0
    for (const bytes of data) size += bytes.byteLength
    return writeBatch(socket, data, sending.accepted(size)) ? undefined : awaitDrain
  }

  const end: Effect.Effect<void, WriteFailure> = Effect.suspend(() => {
    // Nothing more can be answered: the owner is done with what it read.
    reads.answered()
    return sending.end
  })

  // A graceful close drops unread input so the peer's FIN can surface and the kernel has nothing left to answer with RST.
  const discardInput = () => {
    discarding = true
    chunks = []
    buffered = 0
    socket.resume()
    reads.wakeParked()
  }

  const destroy = () => sending.destroy("the connection was destroyed")

  return {
    localAddress: addresses.local,
    remoteAddress: addresses.remote,
    reader: () => readerOf(ready, reads.reader(undefined, resumeReading)),
    poll,
    write: writeByOffer(offer),
    offer,
    flush: sending.flush,
    end,
    close: (graceful) => sending.close(graceful, discardInput),
    destroy,
    // A full read wakes a parked pull a turn later (`wakeLater`): until then its bytes wait here, and the
    // owner has a request in hand even though its pull is still parked.
    isIdle: () => chunks.length === 0 && reads.isIdle()
  }
}
