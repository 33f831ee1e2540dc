/**
 * The bytes waiting in one direction of a memory pipe: a FIFO of chunks read
 * by index. Taking from the front moves nothing (`Array.shift` moves every
 * element left, which made a pipe re-chunked to 1-byte pieces quadratic); the
 * consumed prefix is dropped in one copy once it is at least as long as what
 * is left, so every chunk is copied at most once over its life.
 */

/** @internal */
export class Backlog {
  private items: Array<Uint8Array> = []
  private head = 0
  /** Bytes waiting. */
  bytes = 0
  /** Chunks copied when dropping a consumed prefix, over the backlog's life: at most the chunks pushed. */
  moved = 0

  /** Chunks waiting. */
  get length(): number {
    return this.items.length - this.head
  }

  push(bytes: Uint8Array): void {
    this.items.push(bytes)
    this.bytes += bytes.byteLength
  }

  /** The oldest chunk, or undefined when none waits. */
  shift(): Uint8Array | undefined {
    if (this.head === this.items.length) return undefined
    const bytes = this.items[this.head]!
    // Release the reference at once: the consumed prefix may wait a while for its compaction.
    this.items[this.head] = empty
    this.head++
    this.bytes -= bytes.byteLength
    if (this.head === this.items.length) this.reset([])
    else if (this.head >= minCompaction && 2 * this.head >= this.items.length) this.reset(this.rest())
    return bytes
  }

  /** Every chunk waiting, oldest first. */
  takeAll(): Array<Uint8Array> {
    const all = this.head === 0 ? this.items : this.rest()
    this.reset([])
    this.bytes = 0
    return all
  }

  clear(): void {
    this.reset([])
    this.bytes = 0
  }

  private rest(): Array<Uint8Array> {
    const rest = this.items.slice(this.head)
    this.moved += rest.length
    return rest
  }

  private reset(items: Array<Uint8Array>): void {
    this.items = items
    this.head = 0
  }
}

const empty = new Uint8Array(0)

// Small backlogs are left alone: copying a few references costs less than the bookkeeping.
const minCompaction = 1024
