import { Buffer } from "node:buffer"

/**
 * Memory for bytes that are all written at once: never zero-filled, from
 * Node's shared pool below 4 KiB (as `Buffer.allocUnsafe`), as a plain
 * Uint8Array. A small frame made here keeps its 8 KiB pool slab alive, as a
 * view of a socket chunk keeps the chunk: copy a frame you keep for long.
 *
 * @internal
 */
export const unfilled = (n: number): Uint8Array => {
  const buffer = Buffer.allocUnsafe(n)
  return new Uint8Array(buffer.buffer, buffer.byteOffset, n)
}

/**
 * A plain `Uint8Array` view. `subarray` on a Node `Buffer` goes through the
 * species constructor and makes a `Buffer`, several times slower per frame.
 *
 * @internal
 */
export const view = (chunk: Uint8Array, offset: number, length: number): Uint8Array =>
  new Uint8Array(chunk.buffer, chunk.byteOffset + offset, length)
