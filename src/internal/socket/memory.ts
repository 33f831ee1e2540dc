/**
 * In-process connections: two bounded byte pipes per pair, with optional
 * re-chunking (rechunk.ts) of what flows through them to simulate TCP fragmentation.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { constVoid } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Address } from "../../Address.js"
import * as AddressM from "../../Address.js"
import type { Rechunk } from "../../Transport.js"
import type { Accept, Addresses, Endpoint, EndpointOptions } from "./endpoint.js"
import { makeReads, readerOf, waitOn, wake, writeByOffer } from "./endpoint.js"
import { Backlog } from "./backlog.js"
import type { Cut } from "./rechunk.js"
import { makeCut } from "./rechunk.js"
import { readHighWaterMark } from "./timeouts.js"
import type { Listener } from "./server.js"
import { ConnectError } from "../../Client.js"
import type { ReadFailure, WriteFailure } from "../../Connection.js"
import { IdleTimeoutError, SocketClosedError, WriteError } from "../../Connection.js"
import { ListenError } from "../../Server.js"

class Pipe {
  readonly backlog = new Backlog()
  /** The writer sent its FIN. */
  ended = false
  /** The reader is gone: writes fail. */
  broken = false
  /** The reader is closing: input is dropped. */
  discarding = false
  readonly readers = new Set<() => void>()
  readonly writers = new Set<() => void>()
  /** The reader took bytes: the writer's idle timer restarts, as a socket's does while its writes progress. */
  onTaken: () => void = constVoid
  constructor(readonly cut: Cut | undefined) {}
}

const makeEndpoint = (
  input: Pipe,
  output: Pipe,
  addresses: Addresses,
  options: EndpointOptions,
  onReadWait: () => void = constVoid
): Endpoint => {
  let closed = false
  let writeEnded = false
  let failure: IdleTimeoutError | undefined
  // Parked pulls are also in `input.readers`, which holds a graceful close's wait for the peer's FIN too.
  const reads = makeReads(onReadWait)
  const closeWaiters = new Set<() => void>()

  let idleTimer: ReturnType<typeof setTimeout> | undefined
  const touch = () => idleTimer?.refresh()
  output.onTaken = touch

  const destroy = () => {
    if (closed) return
    closed = true
    if (idleTimer !== undefined) clearTimeout(idleTimer)
    output.ended = true
    input.broken = true
    input.backlog.clear()
    wake(input.readers)
    wake(input.writers)
    wake(output.readers)
    wake(output.writers)
    wake(closeWaiters)
  }

  if (options.idleTimeoutMillis !== undefined && options.idleTimeoutMillis > 0) {
    const timeoutMillis = options.idleTimeoutMillis
    idleTimer = setTimeout(() => {
      failure ??= new IdleTimeoutError({ timeoutMillis })
      destroy()
    }, timeoutMillis)
    idleTimer.unref()
  }

  const endWrite = () => {
    reads.answered()
    if (writeEnded) return
    writeEnded = true
    output.ended = true
    wake(output.readers)
  }

  const poll = (): Chunk.Chunk<Uint8Array> | undefined => {
    if (input.backlog.length === 0) return undefined
    // Re-chunked pipes hand over one piece per pull: the consumer sees every cut.
    const out = input.cut === undefined ? input.backlog.takeAll() : [input.backlog.shift()!]
    if (input.backlog.bytes <= readHighWaterMark) wake(input.writers)
    touch()
    input.onTaken()
    reads.pulled()
    return Chunk.unsafeFromArray(out)
  }

  const ready = (): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<ReadFailure>> | undefined => {
    const out = poll()
    if (out !== undefined) return Effect.succeed(out)
    // our own graceful close drops the input: for whoever still reads, it has ended
    if (input.discarding && !closed) return Effect.fail(Option.none())
    if (input.ended && !closed) {
      // Like node's allowHalfOpen: false, which ends the socket when its readable side ends.
      if (options.allowHalfOpen === false) endWrite()
      return Effect.fail(Option.none())
    }
    if (failure !== undefined) return Effect.fail(Option.some(failure))
    if (closed) return Effect.fail(Option.some(new SocketClosedError({ operation: "read" })))
    return undefined
  }

  const awaitDrain = waitOn<WriteFailure>(output.writers, () => {
    if (closed) return Effect.fail(failure ?? new SocketClosedError({ operation: "write" }))
    if (output.broken) return Effect.fail(new WriteError({ code: "EPIPE" }))
    return output.backlog.bytes <= readHighWaterMark ? Effect.void : undefined
  })

  const offer = (data: ReadonlyArray<Uint8Array>): Effect.Effect<void, WriteFailure> | undefined => {
    if (closed || writeEnded) {
      return Effect.fail(failure ?? new SocketClosedError({ operation: "write", halfClosed: !closed }))
    }
    if (output.broken) return Effect.fail(new WriteError({ code: "EPIPE" }))
    touch()
    reads.answered()
    if (output.discarding) return undefined
    for (const bytes of data) {
      if (bytes.byteLength === 0) continue
      // Copy: the writer may reuse its buffer once the write resolved, as with a socket.
      const copy = bytes.slice()
      if (output.cut === undefined) output.backlog.push(copy)
      else output.cut(copy, output.backlog)
    }
    wake(output.readers)
    return output.backlog.bytes > readHighWaterMark ? awaitDrain : undefined
  }

  /** Why a flush or an end fails now: our side closed, or the peer's (EPIPE, as `write` says then). */
  const sendFailure = (operation: "flush" | "end"): WriteFailure | undefined => {
    if (closed) return failure ?? new SocketClosedError({ operation })
    return output.broken ? new WriteError({ code: "EPIPE" }) : undefined
  }

  // Nothing to wait for: a write copies straight into the peer's pipe, which plays the kernel's buffer.
  const flush: Effect.Effect<void, WriteFailure> = Effect.suspend(() => {
    const failed = sendFailure("flush")
    return failed === undefined ? Effect.void : Effect.fail(failed)
  })

  const end: Effect.Effect<void, WriteFailure> = Effect.suspend(() => {
    const failed = sendFailure("end")
    if (failed !== undefined) return Effect.fail(failed)
    endWrite()
    return Effect.void
  })

  const gracefulClose = Effect.async<void>((resume) => {
    if (closed) return resume(Effect.void)
    endWrite()
    input.discarding = true
    input.backlog.clear()
    wake(input.writers)
    reads.wakeParked()
    if (input.ended) {
      destroy()
      return resume(Effect.void)
    }
    const timer = options.closeTimeoutMillis === undefined ? undefined : setTimeout(destroy, options.closeTimeoutMillis)
    const onPeerEnd = () => {
      if (input.ended || closed) destroy()
      else input.readers.add(onPeerEnd)
    }
    input.readers.add(onPeerEnd)
    const done = () => {
      clearTimeout(timer)
      resume(Effect.void)
    }
    closeWaiters.add(done)
    return Effect.sync(() => {
      clearTimeout(timer)
      destroy()
    })
  })

  return {
    localAddress: addresses.local,
    remoteAddress: addresses.remote,
    reader: () => readerOf(ready, reads.reader(input.readers)),
    poll,
    write: writeByOffer(offer),
    offer,
    flush,
    end,
    // Closing runs in finalizers; the graceful wait stays interruptible so a shutdown can cut it short.
    close: (graceful) => graceful ? Effect.interruptible(gracefulClose) : Effect.sync(destroy),
    destroy,
    isIdle: reads.isIdle
  }
}

/** @internal */
export interface MemoryNetworkOptions {
  readonly rechunk?: Rechunk | undefined
}

/** @internal */
export const memoryAddress: Address = AddressM.unix("effect-net:memory")

/**
 * One in-process "network" with a single listening address.
 *
 * @internal
 */
export interface MemoryNetwork {
  readonly listen: (
    options: EndpointOptions
  ) => (accept: Accept) => Effect.Effect<Listener, ListenError, Scope.Scope>
  readonly connect: (options: EndpointOptions) => Effect.Effect<Endpoint, ConnectError>
}

/** @internal */
export const makeNetwork = (options: MemoryNetworkOptions = {}): MemoryNetwork => {
  let current: { readonly accept: Accept; readonly options: EndpointOptions } | undefined
  let pairs = 0
  const listen = (serverOptions: EndpointOptions) => (accept: Accept) =>
    Effect.acquireRelease(
      Effect.suspend(() => {
        if (current !== undefined) {
          return Effect.fail(new ListenError({ address: memoryAddress, code: "EADDRINUSE" }))
        }
        const registration = { accept, options: serverOptions }
        current = registration
        const stop = () => {
          if (current === registration) current = undefined
        }
        return Effect.succeed<Listener>({ address: memoryAddress, stop, closed: Effect.void })
      }),
      (listener) => Effect.sync(listener.stop)
    )
  const connect = (clientOptions: EndpointOptions) =>
    Effect.suspend(() => {
      if (current === undefined) {
        return Effect.fail(new ConnectError({ address: memoryAddress, code: "ECONNREFUSED" }))
      }
      const n = pairs++
      const rechunk = options.rechunk
      const toServer = new Pipe(rechunk === undefined ? undefined : makeCut(rechunk, 2 * n))
      const toClient = new Pipe(rechunk === undefined ? undefined : makeCut(rechunk, 2 * n + 1))
      const client = AddressM.unix("")
      const { options: serverOptions } = current
      // The serving side first: with equal idle timeouts its timer fires first, so its handler sees
      // IdleTimeoutError rather than the client's FIN.
      current.accept((onReadWait) =>
        makeEndpoint(toServer, toClient, { local: memoryAddress, remote: client }, serverOptions, onReadWait)
      )
      return Effect.succeed(
        makeEndpoint(toClient, toServer, { local: client, remote: memoryAddress }, clientOptions)
      )
    })
  return { listen, connect }
}
