/**
 * One `Endpoint.write` (a Stream chunk from `sink`) as one kernel write:
 * Node makes a `write(2)` per `socket.write` call, so a chunk of a thousand
 * small frames written one by one is a thousand syscalls. Inside
 * `cork()`/`uncork()` Node hands everything to libuv as one `writev`; runs of
 * small pieces are first copied into one buffer, since Node's per-write
 * bookkeeping costs more than copying a few hundred bytes, while large ones
 * go as they are (no copy).
 */
import type * as Net from "node:net"

/** Pieces shorter than this are coalesced with their small neighbours. */
const smallPiece = 1024

/** Most bytes one coalesced buffer holds, so a run of small pieces does not become one huge copy. */
const maxCoalesced = 64 * 1024

/**
 * Writes `data` in order as one batch; returns what Node's last `write`
 * returned (false: its buffer is over the mark, wait for `'drain'`). Nothing
 * completes while the socket is corked, so the last answer covers them all.
 * `onWritten` goes to the last `write`: Node completes writes in order, so
 * it says how the whole batch went.
 *
 * @internal
 */
export const writeBatch = (
  socket: Net.Socket,
  data: ReadonlyArray<Uint8Array>,
  onWritten: (error?: Error | null) => void
): boolean => {
  if (data.length === 1) return socket.write(data[0]!, onWritten)
  if (data.length === 0) {
    onWritten()
    return true
  }
  let accepted = true
  socket.cork()
  try {
    let i = 0
    while (i < data.length) {
      const bytes = data[i]!
      if (bytes.byteLength >= smallPiece) {
        accepted = socket.write(bytes, i === data.length - 1 ? onWritten : undefined)
        i++
        continue
      }
      // A run of small pieces: [i, end) totalling `total` bytes.
      let end = i + 1
      let total = bytes.byteLength
      while (end < data.length) {
        const next = data[end]!.byteLength
        if (next >= smallPiece || total + next > maxCoalesced) break
        total += next
        end++
      }
      accepted = socket.write(
        end - i === 1 ? bytes : coalesce(data, i, end, total),
        end === data.length ? onWritten : undefined
      )
      i = end
    }
  } finally {
    socket.uncork()
  }
  return accepted
}

/** `data[start..end)` in one buffer; `allocUnsafe` because every byte is overwritten at once. */
const coalesce = (data: ReadonlyArray<Uint8Array>, start: number, end: number, total: number): Uint8Array => {
  const out = Buffer.allocUnsafe(total)
  let offset = 0
  for (let i = start; i < end; i++) {
    const piece = data[i]!
    out.set(piece, offset)
    offset += piece.byteLength
  }
  return out
}
