import { type FramingError, MalformedFrameError } from "../../Framing.js"
import type { SizeHeader } from "./sized.js"

/**
 * A fixed size is a header of zero bytes.
 *
 * @internal
 */
export class FixedHeader implements SizeHeader {
  readonly strip = 0
  readonly headerLength = 0
  constructor(private readonly size: number) {}
  read(): number {
    return this.size
  }
}

/** @internal */
export const encodeFrame = (size: number) => (frame: Uint8Array): Uint8Array | FramingError =>
  frame.length === size
    ? frame
    : new MalformedFrameError({ reason: `frame of ${frame.length} bytes is not ${size} bytes long` })
