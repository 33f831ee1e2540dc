import { type ByteQueue, readUIntAt } from "./byteQueue.js"
import { FrameTooLargeError, type FramingError, MalformedFrameError } from "../../Framing.js"
import { maxBufferLength } from "./options.js"
import { EMPTY, type FrameLayout } from "./layout.js"
import type { SizeHeader } from "./sized.js"

/** @internal */
export interface LengthFieldConfig {
  readonly lengthFieldOffset: number
  readonly lengthFieldLength: 1 | 2 | 3 | 4 | 8
  readonly littleEndian: boolean
  readonly lengthAdjustment: number
  readonly initialBytesToStrip: number
  readonly maxFrameLength: number
}

/**
 * Netty's `LengthFieldBasedFrameDecoder` arithmetic: the frame on the wire is
 * `lengthFieldOffset + lengthFieldLength + field + lengthAdjustment` bytes.
 *
 * @internal
 */
export class LengthFieldHeader implements SizeHeader {
  private readonly headerEnd: number
  // the config's fields on the instance: read once per frame on the decoder's direct path
  private readonly fieldOffset: number
  private readonly fieldLength: number
  private readonly littleEndian: boolean
  private readonly adjustment: number
  readonly strip: number
  readonly headerLength: number
  readonly maxLength: number

  constructor(config: LengthFieldConfig) {
    this.headerEnd = config.lengthFieldOffset + config.lengthFieldLength
    this.fieldOffset = config.lengthFieldOffset
    this.fieldLength = config.lengthFieldLength
    this.littleEndian = config.littleEndian
    this.adjustment = config.lengthAdjustment
    this.strip = config.initialBytesToStrip
    this.headerLength = this.headerEnd
    this.maxLength = this.headerEnd
  }

  read(queue: ByteQueue): number | MalformedFrameError {
    if (queue.length < this.headerEnd) return -1
    const field = queue.readUInt(this.fieldOffset, this.fieldLength, this.littleEndian)
    const size = this.sizeOf(field)
    return size >= 0 ? size : this.refusal(field)
  }

  readAt(chunk: Uint8Array, at: number): number {
    if (chunk.length - at < this.headerEnd) return -1
    // a refused size is -1 here: `read` then says why
    return this.sizeOf(readUIntAt(chunk, at + this.fieldOffset, this.fieldLength, this.littleEndian))
  }

  /** The frame's size on the wire for a length field's value, or -1 if no frame can have it. */
  private sizeOf(field: number): number {
    const size = field + this.adjustment + this.headerEnd
    return size < this.headerEnd || size < this.strip ? -1 : size
  }

  private refusal(field: number): MalformedFrameError {
    const size = field + this.adjustment + this.headerEnd
    return new MalformedFrameError({
      reason: size < this.headerEnd
        ? `length field ${field} with lengthAdjustment ${this.adjustment} gives a negative body length`
        : `frame of ${size} bytes is shorter than initialBytesToStrip (${this.strip})`
    })
  }
}

/**
 * The inverse of the decoder: given what the decoder would emit, rebuild the
 * wire bytes. Stripped bytes that cannot be recovered (the bytes before the
 * length field) are written as zeros; a kept header is taken from the frame
 * and its length field overwritten.
 *
 * @internal
 */
export const layout = (config: LengthFieldConfig): FrameLayout<FramingError> => {
  const { initialBytesToStrip: strip, lengthFieldLength: size, lengthFieldOffset: offset } = config
  const headerEnd = offset + size
  const maxValue = 2 ** (8 * size) - 1
  return {
    check(frame) {
      if (frame.length > config.maxFrameLength) {
        return new FrameTooLargeError({ length: frame.length, maxFrameLength: config.maxFrameLength })
      }
      if (strip < headerEnd && frame.length < headerEnd - strip) {
        return new MalformedFrameError({
          reason: `frame of ${frame.length} bytes is shorter than the ${headerEnd - strip} header bytes it must carry`
        })
      }
      if (strip + frame.length > maxBufferLength) {
        return new MalformedFrameError({
          reason: `a frame of ${strip + frame.length} bytes on the wire cannot be allocated`
        })
      }
      const value = strip + frame.length - headerEnd - config.lengthAdjustment
      if (value < 0 || value > maxValue) {
        return new MalformedFrameError({ reason: `length ${value} does not fit a ${size}-byte length field` })
      }
      return undefined
    },
    headerLength: () => strip,
    writeHeader(frame, target, at) {
      // only the bytes around the length field: it is written in full below
      if (offset > 0) target.fill(0, at, at + Math.min(offset, strip))
      if (strip > headerEnd) target.fill(0, at + headerEnd, at + strip)
      const value = strip + frame.length - headerEnd - config.lengthAdjustment
      writeUInt(target, at + offset, size, value, config.littleEndian)
    },
    trailer: EMPTY,
    // a kept length field is in the frame's bytes: it is overwritten in a copy
    splittable: strip >= headerEnd
  }
}

const writeUInt = (target: Uint8Array, at: number, size: number, value: number, littleEndian: boolean): void => {
  if (size <= 4) {
    // below 2^32: shifts are exact, and far cheaper per frame than a division per byte
    for (let k = 0; k < size; k++) target[at + (littleEndian ? k : size - 1 - k)] = (value >>> (8 * k)) & 0xff
    return
  }
  for (let k = 0; k < size; k++) {
    // division, not shifts: shifts are 32-bit and an 8-byte field holds up to 2^53
    target[at + (littleEndian ? k : size - 1 - k)] = Math.floor(value / 2 ** (8 * k)) % 256
  }
}
