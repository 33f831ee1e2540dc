import type { ByteQueue } from "./byteQueue.js"
import { FrameTooLargeError, type FramingError, MalformedFrameError } from "../../Framing.js"
import { EMPTY, type FrameLayout } from "./layout.js"
import type { SizeHeader } from "./sized.js"

/** an unsigned 64-bit LEB128 value never needs more */
const MAX_VARINT_BYTES = 10

/**
 * Unsigned LEB128 length prefix (protobuf-delimited, libp2p). Non-minimal
 * encodings are accepted; an encoding longer than 10 bytes, or a 10th byte
 * that carries bits above 2^64, is malformed.
 *
 * @internal
 */
export class VarintHeader implements SizeHeader {
  /** the varint's own bytes: stripped, and the whole header */
  strip = 0
  readonly maxLength = MAX_VARINT_BYTES
  get headerLength(): number {
    return this.strip
  }

  /** a varint split across chunks, gathered for `parse` */
  private readonly gathered = new Uint8Array(MAX_VARINT_BYTES)

  read(queue: ByteQueue): number | MalformedFrameError {
    const available = Math.min(queue.length, MAX_VARINT_BYTES)
    let gathered = 0
    while (gathered < available) {
      const byte = queue.byteAt(gathered)
      this.gathered[gathered++] = byte
      // the bytes after the one that ends the varint are the body's: not read per frame
      if (byte < 0x80) break
    }
    return this.parse(this.gathered, 0, gathered)
  }

  readAt(chunk: Uint8Array, at: number): number {
    const size = this.parse(chunk, at, Math.min(chunk.length - at, MAX_VARINT_BYTES))
    return typeof size === "number" ? size : -1
  }

  private parse(bytes: Uint8Array, at: number, available: number): number | MalformedFrameError {
    let value = 0
    // 128^i, kept as a running product: no Math.pow per byte (powers of two stay exact)
    let scale = 1
    for (let i = 0; i < available; i++) {
      const byte = bytes[at + i]!
      value += (byte & 0x7f) * scale
      scale *= 0x80
      if (byte < 0x80) {
        if (i === MAX_VARINT_BYTES - 1 && byte > 1) {
          return new MalformedFrameError({ reason: "varint length overflows 64 bits" })
        }
        this.strip = i + 1
        return i + 1 + value
      }
    }
    return available === MAX_VARINT_BYTES
      ? new MalformedFrameError({ reason: `varint length longer than ${MAX_VARINT_BYTES} bytes` })
      : -1
  }
}

const varintLength = (value: number): number => {
  let length = 1
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++
  return length
}

/** @internal */
export const layout = (maxFrameLength: number): FrameLayout<FramingError> => ({
  check: (frame) =>
    frame.length > maxFrameLength ? new FrameTooLargeError({ length: frame.length, maxFrameLength }) : undefined,
  headerLength: (frame) => varintLength(frame.length),
  writeHeader(frame, target, at) {
    const last = at + varintLength(frame.length) - 1
    let rest = frame.length
    for (let i = at; i < last; i++) {
      target[i] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    target[last] = rest
  },
  trailer: EMPTY,
  splittable: true
})
