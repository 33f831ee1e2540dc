/**
 * The end of a `node:net` socket's sending side: `flush`, `end` (FIN once
 * the flush is done) and the close that keeps accepted bytes. `write`
 * resolves once Node accepted the bytes, so Node may still hold some when the
 * owner is done; a graceful close waits for them to reach the kernel (Node's
 * `'finish'`) while they keep leaving, and only then starts the wait for the
 * peer. Bytes that never leave (none left the send buffer for `flushTimeout`,
 * a close at once, an error) are counted when the socket goes, and the count
 * is logged at Warning: never dropped silently.
 */
import * as Effect from "effect/Effect"
import { constVoid } from "effect/Function"
import type * as Net from "node:net"
import type { Address } from "../../Address.js"
import { format } from "../../Address.js"
import type { IdleTimeoutError, WriteError, WriteFailure } from "../../Connection.js"
import { SocketClosedError } from "../../Connection.js"
import { wake } from "./endpoint.js"

/** @internal */
export interface SendingOptions {
  readonly remoteAddress: Address
  /** `undefined`: a flush that makes no progress is waited for however long it takes. */
  readonly flushTimeoutMillis: number | undefined
  /** `undefined`: after the flush, the peer is waited for however long it takes. */
  readonly closeTimeoutMillis: number | undefined
  /** Why writes fail, once something failed (set by the endpoint's `'error'` / `'timeout'` listeners). */
  readonly failure: () => WriteError | IdleTimeoutError | undefined
}

/** @internal */
export interface Sending {
  /** Attaches the listeners; call first in the endpoint's setup. */
  readonly attach: () => void
  /**
   * Counts `bytes` more as accepted and returns the callback to pass to the
   * last `socket.write` that carries them: Node completes writes in order,
   * so its success means all of them left Node.
   */
  readonly accepted: (bytes: number) => (error?: Error | null) => void
  /** Resolves once every byte accepted before it is in the kernel. */
  readonly flush: Effect.Effect<void, WriteFailure>
  /** FIN after every accepted byte; resolves once it is sent. Idempotent. */
  readonly end: Effect.Effect<void, WriteFailure>
  /** Destroys the socket now, counting the bytes Node still held; `reason` goes into the warning. */
  readonly destroy: (reason: string) => void
  /**
   * Graceful: end, wait for the flush (bounded by `flushTimeout` of no
   * progress), then for the peer (bounded by `closeTimeout`), destroy.
   * Otherwise destroy now. Either way, logs the bytes dropped, if any.
   */
  readonly close: (graceful: boolean, onClosing: () => void) => Effect.Effect<void>
}

interface Lost {
  readonly bytes: number
  readonly reason: string
}

/**
 * Bytes Node passed to libuv that the kernel has not taken yet. Not public
 * API, but what Node's own idle timer reads (lib/net.js `_onTimeout`) to tell
 * a write in progress from a stuck one: `writableLength` only falls when a
 * whole write completes, so one large write read slowly by the peer would
 * otherwise look stalled. 0 where a handle has no such field.
 */
const writeQueueSize = (socket: Net.Socket): number => {
  const handle = (socket as unknown as { readonly _handle?: Handle | null })._handle
  // A TLS socket's handle counts a write until it completes whole; the TCP handle under it (`_parent`) is the
  // one whose count falls as the kernel takes the encrypted bytes.
  return queued(handle) + queued(handle?._parent)
}

interface Handle {
  readonly writeQueueSize?: unknown
  readonly _parent?: Handle | null
}

const queued = (handle: Handle | null | undefined): number =>
  typeof handle?.writeQueueSize === "number" ? handle.writeQueueSize : 0

/**
 * Calls `onStall` once no byte has left Node's buffer for `timeoutMillis`
 * (sampled every quarter of it, so it fires between 1 and 1.25 times the
 * bound after the last progress). Returns the cancel. Progress is what Node
 * sees, not what the peer reads: the kernel wakes the writer only once a
 * batch of its buffer is free (a third of the TCP send buffer, ~1.4 MiB on
 * Linux loopback with the default `tcp_wmem` max of 4 MiB; three quarters of
 * a Unix socket's, ~190 KiB), so a peer that keeps reading looks still for as
 * long as it takes to read a batch. The kernel's own queue (`SIOCOUTQ`) is
 * not readable from Node. A reader is thus waited for only if it reads a
 * batch within the bound: at 30 s, ~47 KiB/s over TCP, ~6 KiB/s over Unix.
 *
 * @internal
 */
export const watchStall = (socket: Net.Socket, timeoutMillis: number | undefined, onStall: () => void): () => void => {
  if (timeoutMillis === undefined) return constVoid
  let length = socket.writableLength
  let queue = writeQueueSize(socket)
  let lastProgress = performance.now()
  const timer = setInterval(() => {
    const nowLength = socket.writableLength
    const nowQueue = writeQueueSize(socket)
    // After `end` nothing is added, so a smaller count is bytes gone to the kernel (a larger queue is a
    // new write handed to libuv, which shrank writableLength too).
    if (nowLength < length || nowQueue < queue) lastProgress = performance.now()
    length = nowLength
    queue = nowQueue
    if (performance.now() - lastProgress >= timeoutMillis) {
      clearInterval(timer)
      onStall()
    }
  }, Math.max(1, Math.ceil(timeoutMillis / 4)))
  return () => clearInterval(timer)
}

/** @internal */
export const makeSending = (socket: Net.Socket, options: SendingOptions): Sending => {
  let closed = false
  let lost: Lost | undefined
  let reported = false
  // Bytes `write` accepted whose write has not completed. Ours, not `writableLength`: when a write fails Node
  // empties its buffer (failing every pending callback) before it emits 'error', so by then it reads 0.
  let unfinished = 0
  // Woken on 'finish' and on 'close': whoever waits for the FIN to go out, or for the socket to go.
  const finishWaiters = new Set<() => void>()
  const closeWaiters = new Set<() => void>()

  const noteLost = (reason: string) => {
    // The first cause is the one that matters; a failed write never completes, so its bytes stay counted.
    if (lost === undefined && !closed && unfinished > 0) lost = { bytes: unfinished, reason }
  }

  const accepted = (bytes: number) => {
    unfinished += bytes
    return (error?: Error | null) => {
      if (error == null) unfinished -= bytes
    }
  }

  const destroy = (reason: string) => {
    if (socket.destroyed) return
    noteLost(reason)
    socket.destroy()
  }

  const attach = () => {
    socket.on("close", () => {
      closed = true
      wake(finishWaiters)
      wake(closeWaiters)
    })
    socket.on("finish", () => wake(finishWaiters))
    socket.on("error", (cause: Error & { readonly code?: unknown }) => {
      noteLost(`the socket failed (${typeof cause.code === "string" ? cause.code : cause.message})`)
    })
  }

  // Decided once the socket is closed, not merely destroyed: Node emits 'error' (which says why) only on the way to 'close'.
  const closedFailure = (operation: "flush" | "end") => options.failure() ?? new SocketClosedError({ operation })

  /** Waits for the FIN to go out (every accepted byte is in the kernel then); fails if the socket closes first. */
  const awaitFinish = (operation: "flush" | "end") =>
    Effect.async<void, WriteFailure>((resume) => {
      const check = () => {
        if (socket.writableFinished) return resume(Effect.void)
        if (closed) return resume(Effect.fail(closedFailure(operation)))
        finishWaiters.add(check)
      }
      check()
      return Effect.sync(() => {
        finishWaiters.delete(check)
      })
    })

  /** Fails once the socket is closed. */
  const failOnClose = (operation: "flush" | "end") =>
    Effect.async<never, WriteFailure>((resume) => {
      const fail = () => resume(Effect.fail(closedFailure(operation)))
      if (closed) return fail()
      closeWaiters.add(fail)
      return Effect.sync(() => {
        closeWaiters.delete(fail)
      })
    })

  const flush: Effect.Effect<void, WriteFailure> = Effect.suspend(() => {
    if (socket.destroyed) return lost === undefined ? Effect.void : failOnClose("flush")
    if (socket.writableLength === 0) return Effect.void
    // No more writes are possible: the buffer is flushed when the FIN goes out.
    if (socket.writableEnded) return awaitFinish("flush")
    // An empty write's callback runs once every write before it completed (or failed): a marker in the queue.
    return Effect.async<void, WriteFailure>((resume) => {
      socket.write(empty, (error) => resume(error == null ? Effect.void : failOnClose("flush")))
    })
  })

  const end: Effect.Effect<void, WriteFailure> = Effect.suspend(() => {
    if (socket.destroyed) return failOnClose("end")
    if (!socket.writableEnded) socket.end()
    return awaitFinish("end")
  })

  const gracefulClose = (onClosing: () => void) =>
    Effect.async<void>((resume) => {
      if (closed) return resume(Effect.void)
      onClosing()
      if (!socket.writableEnded) socket.end()
      let timer: ReturnType<typeof setTimeout> | undefined
      let stopWatch: () => void = constVoid
      // The flush is done: now only the peer is waited for.
      const awaitPeer = () => {
        stopWatch()
        if (options.closeTimeoutMillis !== undefined && !closed) {
          timer = setTimeout(() => destroy("closeTimeout"), options.closeTimeoutMillis)
        }
      }
      const onFinish = () => {
        if (socket.writableFinished) awaitPeer()
        else if (!closed) finishWaiters.add(onFinish)
      }
      if (socket.writableFinished) awaitPeer()
      else {
        finishWaiters.add(onFinish)
        stopWatch = watchStall(socket, options.flushTimeoutMillis, () =>
          // Not "the peer stopped reading": a slow reader can look still for as long as a batch takes (watchStall).
          destroy(`no byte left the send buffer for flushTimeout (${options.flushTimeoutMillis} ms)`))
      }
      const done = () => {
        stopWatch()
        clearTimeout(timer)
        resume(Effect.void)
      }
      closeWaiters.add(done)
      return Effect.sync(() => {
        stopWatch()
        clearTimeout(timer)
        finishWaiters.delete(onFinish)
        closeWaiters.delete(done)
        destroy("the graceful close was interrupted")
      })
    })

  const report = Effect.suspend(() => {
    if (lost === undefined || reported) return Effect.void
    reported = true
    return Effect.logWarning(`connection closed with ${lost.bytes} written bytes never sent: ${lost.reason}`).pipe(
      Effect.annotateLogs({ remoteAddress: format(options.remoteAddress), unsentBytes: lost.bytes })
    )
  })

  return {
    attach,
    accepted,
    flush,
    end,
    destroy,
    close: (graceful, onClosing) =>
      Effect.ensuring(
        graceful
          // Closing runs in finalizers; the graceful wait stays interruptible so a shutdown can cut it short.
          ? Effect.interruptible(gracefulClose(onClosing))
          : Effect.sync(() => destroy("the connection was closed at once (its scope failed or was interrupted)")),
        report
      )
  }
}

const empty = new Uint8Array(0)
