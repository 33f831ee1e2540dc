import { Buffer } from "node:buffer"
import { markAsUntransferable } from "node:worker_threads"

/** Node's own pool size (`Buffer.poolSize`): what a small allocation may keep alive. */
const SLAB = 8 * 1024
let slab = new ArrayBuffer(0)
let slabOffset = SLAB

/**
 * Memory for bytes that are all written at once: never zero-filled, carved
 * from a shared 8 KiB slab below 4 KiB (as `Buffer.allocUnsafe` carves Node's
 * pool), as a plain Uint8Array. A small frame made here keeps its slab alive,
 * as a view of a socket chunk keeps the chunk: copy a frame you keep for
 * long. Our own slab rather than Node's pool: a `Buffer` from the pool costs
 * its construction and two getters to unwrap, as much again as the rest of a
 * 16-byte frame's work.
 *
 * @internal
 */
export const unfilled = (n: number): Uint8Array => {
  if (n === 0) return new Uint8Array(0)
  if (n >= SLAB >>> 1) return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n)
  if (slabOffset + n > SLAB) {
    slab = Buffer.allocUnsafeSlow(SLAB).buffer
    // as Node's pool is: a user transferring one frame's memory to a worker would detach every frame in the
    // slab and the slab itself, and each later allocation here would throw
    markAsUntransferable(slab)
    slabOffset = 0
  }
  const out = new Uint8Array(slab, slabOffset, n)
  // 8-byte aligned, as Node's pool: a frame's bytes may be read through a wider view of its buffer
  slabOffset = (slabOffset + n + 7) & ~7
  return out
}

/**
 * A plain `Uint8Array` view. `subarray` on a Node `Buffer` goes through the
 * species constructor and makes a `Buffer`, several times slower per frame.
 *
 * @internal
 */
export const view = (chunk: Uint8Array, offset: number, length: number): Uint8Array =>
  new Uint8Array(chunk.buffer, chunk.byteOffset + offset, length)

/** Runs this short are copied byte by byte: cheaper than the view `set` needs (a `Buffer`'s `buffer` getter). */
const SHORT_COPY = 32

/**
 * `count` bytes of `source` from `from` into `target` at `at`.
 *
 * @internal
 */
export const copyBytes = (target: Uint8Array, at: number, source: Uint8Array, from: number, count: number): void => {
  if (count <= SHORT_COPY) {
    for (let i = 0; i < count; i++) target[at + i] = source[from + i]!
  } else {
    target.set(from === 0 && count === source.length ? source : view(source, from, count), at)
  }
}
