/**
 * Addresses Node would reject by throwing (a defect inside a callback) or,
 * worse, misread: checked before any socket is made, so they surface as the
 * caller's typed error.
 */
import type { Address } from "../../Address.js"
import { format } from "../../Address.js"

/** @internal */
export interface BadAddress {
  readonly code: string
  readonly reason: string
}

/**
 * Why `address` cannot be dialled or bound, or `undefined` when it can.
 *
 * - A port that is not an integer in 0..65535 is `ERR_SOCKET_BAD_PORT`, as
 *   Node names it (Node throws it synchronously from `connect` / `listen`).
 * - An empty Unix path is `ERR_INVALID_ARG_VALUE`, the code Node's `listen`
 *   throws for it; Node's `connect` would instead dial TCP on localhost, so
 *   it is refused here for both.
 *
 * @internal
 */
export const badAddress = (address: Address): BadAddress | undefined => {
  if (address._tag === "UnixAddress") {
    return address.path === "" ? { code: "ERR_INVALID_ARG_VALUE", reason: "the Unix socket path is empty" } : undefined
  }
  const { port } = address
  return Number.isInteger(port) && port >= 0 && port <= 65535
    ? undefined
    : { code: "ERR_SOCKET_BAD_PORT", reason: `port must be an integer from 0 to 65535, got ${String(port)}` }
}

/**
 * `ConnectError` / `ListenError` messages: what was tried where, Node's code,
 * and the reason when there is one.
 *
 * @internal
 */
export const failureMessage = (
  action: "connect to" | "listen on",
  error: { readonly address: Address; readonly code: string; readonly reason?: string | undefined }
): string => `${action} ${format(error.address)} failed: ${error.code}${error.reason === undefined ? "" : ` (${error.reason})`}`
