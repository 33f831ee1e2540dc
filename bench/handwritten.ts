/**
 * Hand-written 4-byte big-endian length-prefixed decoders, no Effect.
 *
 * `LinearDecoder`: the best one a Node programmer writes, the
 * ceiling of the decode benchmark and the decoder of the raw socket servers:
 * pending chunks in a list, a frame inside one chunk is a view of it, a frame
 * spanning chunks is copied once into a `Buffer.allocUnsafe` of its exact size
 * (pooled below 4 KiB and not zero-filled: every byte is overwritten at once),
 * and every frame is handed straight to a callback.
 */
export class LinearDecoder {
  private chunks: Array<Uint8Array> = []
  private head = 0
  private offset = 0
  private length = 0
  /** body size of the frame whose header was read; -1 between frames */
  private size = -1

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  /** Bytes still waiting for the rest of their frame. */
  get pending(): number {
    return this.length + (this.size >= 0 ? 4 : 0)
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
    for (;;) {
      if (this.size < 0) {
        if (this.length < 4) return
        this.size = this.takeUInt32BE()
      }
      if (this.length < this.size) return
      const size = this.size
      this.size = -1
      this.onFrame(size === 0 ? EMPTY : this.take(size))
    }
  }

  private takeUInt32BE(): number {
    const first = this.chunks[this.head]!
    const o = this.offset
    if (o + 4 <= first.length) {
      this.advance(4)
      return first[o]! * 0x1000000 + ((first[o + 1]! << 16) | (first[o + 2]! << 8) | first[o + 3]!)
    }
    const bytes = this.take(4)
    return bytes[0]! * 0x1000000 + ((bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!)
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[this.head]!
    if (this.offset + n <= first.length) {
      const view = first.subarray(this.offset, this.offset + n)
      this.advance(n)
      return view
    }
    const frame = Buffer.allocUnsafe(n)
    let written = 0
    while (written < n) {
      const chunk = this.chunks[this.head]!
      const count = Math.min(n - written, chunk.length - this.offset)
      frame.set(
        this.offset === 0 && count === chunk.length ? chunk : chunk.subarray(this.offset, this.offset + count),
        written
      )
      written += count
      this.advance(count)
    }
    return frame
  }

  private advance(n: number): void {
    this.length -= n
    this.offset += n
    if (this.offset === this.chunks[this.head]!.length) {
      this.offset = 0
      this.head++
      if (this.head === this.chunks.length) {
        this.chunks = []
        this.head = 0
      } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.head)
        this.head = 0
      }
    }
  }
}

const EMPTY = new Uint8Array(0)

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
