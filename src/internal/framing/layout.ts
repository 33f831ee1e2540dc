import { unfilled } from "./alloc.js"
import type { Decoder } from "./decoder.js"

/**
 * How a built-in framer lays a frame out on the wire: a header, the frame's
 * own bytes, a trailer. One description serves `encodeFrame` (one frame, one
 * buffer) and the batched `encode` (many frames, one buffer).
 *
 * @internal
 */
export interface FrameLayout<E> {
  /** Why the frame cannot be sent, or undefined. */
  check(frame: Uint8Array): E | undefined
  /** Bytes written before the frame's own bytes. */
  headerLength(frame: Uint8Array): number
  /**
   * Write the header at `target[at]`, every byte of it (the target is not
   * zero-filled), after the frame's bytes were copied to `at + headerLength`:
   * a header kept in the frame is overwritten in that copy.
   */
  writeHeader(frame: Uint8Array, target: Uint8Array, at: number): void
  /** Bytes written after the frame's own bytes. */
  readonly trailer: Uint8Array
  /** Whether `writeHeader` stays within the header, so a frame can go out as header, frame, trailer. */
  readonly splittable: boolean
}

/** @internal */
export const EMPTY = new Uint8Array(0)

/**
 * One frame to its own buffer. A frame with neither header nor trailer (nor a
 * length field kept inside it) is its own wire bytes, returned as it is.
 *
 * @internal
 */
export const encodeFrame = <E>(layout: FrameLayout<E>) => (frame: Uint8Array): Uint8Array | E => {
  const error = layout.check(frame)
  if (error !== undefined) return error
  const header = layout.headerLength(frame)
  const trailer = layout.trailer
  if (header === 0 && trailer.length === 0 && layout.splittable) return frame
  const wire = unfilled(header + frame.length + trailer.length)
  write(layout, frame, header, wire, 0)
  return wire
}

const write = <E>(layout: FrameLayout<E>, frame: Uint8Array, header: number, target: Uint8Array, at: number): number => {
  target.set(frame, at + header)
  layout.writeHeader(frame, target, at)
  at += header + frame.length
  if (layout.trailer.length > 0) {
    target.set(layout.trailer, at)
    at += layout.trailer.length
  }
  return at
}

/**
 * Frames this long or longer go out as header, frame, trailer: the frame is
 * not copied, and a batched socket write (writev) sends the pieces together.
 * Below it, copying the frame into the shared buffer is cheaper than one more
 * buffer to write (bench/framing.ts: at 16 KiB a memcpy costs ~1 µs). At
 * 1 KiB, effect-net's own sink spent 5–12% less CPU per 4 KiB echoed frame,
 * but a writer that makes a syscall per element (@effect/platform's socket
 * `writer`) made two per frame and fell from 0.47× to 0.19× raw on the same
 * bench (bench/PROFILE.md, "After 5"), so it stays here.
 *
 * @internal
 */
export const LARGE_FRAME = 16 * 1024

/** a batch buffer is sent once it holds this much, so one huge input chunk does not become one huge buffer */
const BATCH_BYTES = 64 * 1024

/**
 * The encoder of a built-in framer: the frames of one pull are written into
 * one buffer (one allocation per output chunk, not per frame), except large
 * frames, which go out as they are between their header (at the end of the
 * buffer before them) and their trailer (at the start of the next).
 *
 * @internal
 */
export class BatchEncoder<E> implements Decoder<Uint8Array, Uint8Array, E> {
  private readonly queued: Array<Uint8Array> = []
  /** wire bytes of the queued frames, the trailer of a large frame sent just before them included */
  private bytes = 0
  private trailerFirst = false

  constructor(private readonly layout: FrameLayout<E>) {}

  push(frame: Uint8Array, out: Array<Uint8Array>): E | undefined {
    const layout = this.layout
    const error = layout.check(frame)
    if (error !== undefined) return error
    if (frame.length >= LARGE_FRAME && layout.splittable) {
      this.flushWith(out, frame)
      out.push(frame)
      if (layout.trailer.length > 0) {
        this.trailerFirst = true
        this.bytes = layout.trailer.length
      }
      return undefined
    }
    this.queued.push(frame)
    this.bytes += layout.headerLength(frame) + frame.length + layout.trailer.length
    if (this.bytes >= BATCH_BYTES) this.flush(out)
    return undefined
  }

  flush(out: Array<Uint8Array>): void {
    this.flushWith(out, undefined)
  }

  end(out: Array<Uint8Array>): undefined {
    this.flush(out)
    return undefined
  }

  /** Everything queued, and the header of `large` if given, as one buffer. */
  private flushWith(out: Array<Uint8Array>, large: Uint8Array | undefined): void {
    const { layout, queued } = this
    const largeHeader = large === undefined ? 0 : layout.headerLength(large)
    const total = this.bytes + largeHeader
    if (total === 0) return
    const wire = unfilled(total)
    let at = 0
    if (this.trailerFirst) {
      wire.set(layout.trailer, 0)
      at = layout.trailer.length
    }
    for (let i = 0; i < queued.length; i++) {
      const frame = queued[i]!
      at = write(layout, frame, layout.headerLength(frame), wire, at)
    }
    if (large !== undefined) layout.writeHeader(large, wire, at)
    out.push(wire)
    // emptied in place: a fresh array per pull is a literal V8 may decide to allocate in the old generation,
    // where it would keep the young frames it held alive until a mark-compact (bench/PROFILE.md, "After 5")
    queued.length = 0
    this.bytes = 0
    this.trailerFirst = false
  }
}
