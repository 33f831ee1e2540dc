import type { ByteQueue } from "./byteQueue.js"
import { FrameTooLargeError, type FramingError, MalformedFrameError } from "../../Framing.js"
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
  get headerLength(): number {
    return this.strip
  }

  read(queue: ByteQueue): number | MalformedFrameError {
    const available = Math.min(queue.length, MAX_VARINT_BYTES)
    let value = 0
    for (let i = 0; i < available; i++) {
      const byte = queue.byteAt(i)
      value += (byte & 0x7f) * 2 ** (7 * i)
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

/** @internal */
export const encodeFrame = (maxFrameLength: number) => (frame: Uint8Array): Uint8Array | FramingError => {
  if (frame.length > maxFrameLength) {
    return new FrameTooLargeError({ length: frame.length, maxFrameLength })
  }
  let headerLength = 1
  for (let rest = frame.length; rest >= 0x80; rest = Math.floor(rest / 0x80)) headerLength++
  const wire = new Uint8Array(headerLength + frame.length)
  let rest = frame.length
  for (let i = 0; i < headerLength - 1; i++) {
    wire[i] = (rest % 0x80) | 0x80
    rest = Math.floor(rest / 0x80)
  }
  wire[headerLength - 1] = rest
  wire.set(frame, headerLength)
  return wire
}
