/**
 * Hand-written 4-byte big-endian length-prefixed decoders, no Effect.
 */

/**
 * The best one a Node programmer writes, the ceiling of the decode benchmark
 * and the decoder of the raw socket servers. A frame inside the chunk is handed
 * over as a view of it (a plain `Uint8Array` view: `Buffer#subarray` goes
 * through the species constructor and costs several times more per frame); a
 * frame that spans chunks is assembled, as its pieces arrive, in one
 * `Buffer.allocUnsafe` of its exact size (pooled below 4 KiB and not
 * zero-filled: every byte is overwritten), so every byte is copied at most
 * once and nothing but the frame in progress is kept. Each frame goes straight
 * to the callback.
 */
export class LinearDecoder {
  /** a header split across chunks */
  private readonly header = Buffer.allocUnsafe(4)
  private headerFill = 0
  /** the spanning frame being assembled, and how much of it has arrived */
  private frame: Buffer | undefined = undefined
  private fill = 0

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  /** Bytes received that belong to no complete frame yet. */
  get pending(): number {
    return this.headerFill + (this.frame === undefined ? 0 : 4 + this.fill)
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length
    // read once per chunk: `chunk.buffer` per frame costs as much as the rest of a small frame's work
    const buffer = chunk.buffer
    const offset = chunk.byteOffset
    let at = 0
    while (at < n) {
      const frame = this.frame
      if (frame !== undefined) {
        const count = Math.min(frame.length - this.fill, n - at)
        frame.set(count === n ? chunk : new Uint8Array(buffer, offset + at, count), this.fill)
        this.fill += count
        at += count
        if (this.fill === frame.length) {
          this.frame = undefined
          this.onFrame(frame)
        }
        continue
      }
      let size: number
      if (this.headerFill === 0 && n - at >= 4) {
        size = chunk[at]! * 0x1000000 + ((chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!)
        at += 4
      } else {
        while (this.headerFill < 4 && at < n) this.header[this.headerFill++] = chunk[at++]!
        if (this.headerFill < 4) return
        this.headerFill = 0
        size = this.header.readUInt32BE(0)
      }
      if (n - at >= size) {
        this.onFrame(new Uint8Array(buffer, offset + at, size))
        at += size
      } else {
        this.frame = Buffer.allocUnsafe(size)
        this.fill = 0
      }
    }
  }
}

/**
 * The classic tutorial decoder: re-concatenate the backlog with every chunk
 * (`Buffer.concat`), then cut the frames off the front as views.
 */
export class ConcatDecoder {
  private buf: Buffer = Buffer.alloc(0)

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  get pending(): number {
    return this.buf.length
  }

  push(chunk: Uint8Array): void {
    let buf = Buffer.concat([this.buf, chunk])
    while (buf.length >= 4) {
      const length = buf.readUInt32BE(0)
      if (buf.length < 4 + length) break
      this.onFrame(buf.subarray(4, 4 + length))
      buf = buf.subarray(4 + length)
    }
    this.buf = buf
  }
}
