import * as Data from "effect/Data"

/** @internal */
export class TruncatedFrameError extends Data.TaggedError("TruncatedFrameError")<{
  readonly received: number
  readonly expected?: number
}> {
  override get message(): string {
    return this.expected === undefined
      ? `stream ended inside a frame: ${this.received} bytes left over`
      : `stream ended inside a frame: ${this.received} of ${this.expected} bytes received`
  }
}

/** @internal */
export class FrameTooLargeError extends Data.TaggedError("FrameTooLargeError")<{
  readonly length: number
  readonly maxFrameLength: number
}> {
  override get message(): string {
    return `frame of ${this.length} bytes exceeds maxFrameLength (${this.maxFrameLength})`
  }
}

/** @internal */
export class MalformedFrameError extends Data.TaggedError("MalformedFrameError")<{
  readonly reason: string
}> {
  override get message(): string {
    return `malformed frame: ${this.reason}`
  }
}

/** @internal */
export type FramingError = TruncatedFrameError | FrameTooLargeError | MalformedFrameError

/** @internal */
export class InvalidUtf8Error extends Data.TaggedError("InvalidUtf8Error")<{
  readonly offset: number
}> {
  override get message(): string {
    return `invalid UTF-8 at byte offset ${this.offset}`
  }
}
