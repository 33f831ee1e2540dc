import * as Data from "effect/Data"
import type { Address } from "../../Address.js"
import { format } from "../../Address.js"

/** @internal */
export class ConnectError extends Data.TaggedError("ConnectError")<{
  readonly address: Address
  readonly code: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `connect to ${format(this.address)} failed: ${this.code}`
  }
}

/** @internal */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly address: Address
  readonly code: string
  readonly reason?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `listen on ${format(this.address)} failed: ${this.code}${this.reason === undefined ? "" : ` (${this.reason})`}`
  }
}

/** @internal */
export class ReadError extends Data.TaggedError("ReadError")<{
  readonly code: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `socket read failed: ${this.code}`
  }
}

/** @internal */
export class WriteError extends Data.TaggedError("WriteError")<{
  readonly code: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `socket write failed: ${this.code}`
  }
}

/** @internal */
export class IdleTimeoutError extends Data.TaggedError("IdleTimeoutError")<{
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `no bytes read or written for ${this.timeoutMillis} ms`
  }
}

/** @internal */
export class SocketClosedError extends Data.TaggedError("SocketClosedError")<{
  readonly operation: "read" | "write" | "end"
}> {
  override get message(): string {
    return `cannot ${this.operation}: the socket is closed`
  }
}

/** @internal */
export type SocketError =
  | ConnectError
  | ListenError
  | ReadError
  | WriteError
  | IdleTimeoutError
  | SocketClosedError

/** @internal */
export const errorCode = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code
  }
  return "UNKNOWN"
}
