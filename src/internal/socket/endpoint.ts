import type * as Chunk from "effect/Chunk"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Address } from "../../Address.js"
import type { SocketError } from "./errors.js"

/**
 * One end of a byte pipe, whatever carries it (a `node:net` socket or an
 * in-process pair). `Connection` is built on this, so the transports only
 * differ here.
 *
 * @internal
 */
export interface Endpoint {
  readonly localAddress: Address
  readonly remoteAddress: Address
  /** Everything received so far as one chunk, waiting if nothing is; `None` after the peer's FIN. */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<SocketError>>
  /** Resolves once the bytes are accepted, waiting while the outgoing buffer is over its mark. */
  readonly write: (data: ReadonlyArray<Uint8Array>) => Effect.Effect<void, SocketError>
  /** Half-close: no more writes, the peer reads EOF; reading goes on. */
  readonly end: Effect.Effect<void, SocketError>
  /** Graceful: FIN after the pending bytes, discard input until the peer closes (bounded), destroy. Otherwise destroy now. */
  readonly close: (graceful: boolean) => Effect.Effect<void>
  readonly destroy: () => void
  /**
   * A pull is parked with nothing buffered AND nothing was pulled since the
   * last write or end (a connection that never received anything counts):
   * the owner answered everything and waits for the peer. One that read part
   * of a request and has not answered is busy, even while it waits for the
   * rest. A graceful close's wait for the peer is not a parked pull.
   */
  readonly isIdle: () => boolean
  /** Called when a pull parks; lets a server interrupt idle handlers (`isIdle`) during shutdown. */
  onReadWait: (() => void) | undefined
}
