import { type FramingError, MalformedFrameError } from "../../Framing.js"
import { EMPTY, type FrameLayout } from "./layout.js"
import type { SizeHeader } from "./sized.js"

/**
 * A fixed size is a header of zero bytes.
 *
 * @internal
 */
export class FixedHeader implements SizeHeader {
  readonly strip = 0
  readonly headerLength = 0
  readonly maxLength = 0
  constructor(private readonly size: number) {}
  read(): number {
    return this.size
  }
  readAt(): number {
    return this.size
  }
}

/** @internal */
export const layout = (size: number): FrameLayout<FramingError> => ({
  check: (frame) =>
    frame.length === size
      ? undefined
      : new MalformedFrameError({ reason: `frame of ${frame.length} bytes is not ${size} bytes long` }),
  headerLength: () => 0,
  writeHeader: () => {},
  trailer: EMPTY,
  splittable: true
})
