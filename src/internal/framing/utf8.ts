import type { Decoder } from "./decoder.js"
import { InvalidUtf8Error } from "../../Utf8.js"

/**
 * Where the first ill-formed sequence in `bytes` starts, by the WHATWG UTF-8
 * decoder's rules (the ones `TextDecoder` with `fatal` applies), or -1. An
 * incomplete sequence at the end counts as ill-formed only when `final`.
 * Only run once `TextDecoder` has said there is an error: it finds the error
 * fast; this finds where.
 *
 * @internal
 */
export const firstInvalid = (bytes: Uint8Array, final: boolean): number => {
  let needed = 0
  let seen = 0
  let lower = 0x80
  let upper = 0xbf
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (needed === 0) {
      if (byte <= 0x7f) continue
      start = i
      if (byte >= 0xc2 && byte <= 0xdf) {
        needed = 1
      } else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) lower = 0xa0
        if (byte === 0xed) upper = 0x9f
        needed = 2
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) lower = 0x90
        if (byte === 0xf4) upper = 0x8f
        needed = 3
      } else {
        return i
      }
    } else {
      if (byte < lower || byte > upper) return start
      lower = 0x80
      upper = 0xbf
      if (++seen === needed) {
        needed = 0
        seen = 0
      }
    }
  }
  return needed > 0 && final ? start : -1
}

/**
 * Bytes at the end of `bytes` that begin a sequence still waiting for its
 * continuation bytes (0 to 3). Assumes what precedes them is well formed.
 */
const pendingLength = (bytes: Uint8Array): number => {
  for (let k = 1; k <= Math.min(3, bytes.length); k++) {
    const byte = bytes[bytes.length - k]!
    if (byte < 0x80) return 0
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
      return length > k ? k : 0
    }
  }
  return 0
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a, 0)
  joined.set(b, a.length)
  return joined
}

const EMPTY = new Uint8Array(0)

/**
 * Streaming fatal decoding. `TextDecoder` does the work; the decoder keeps
 * only what it needs to put an exact stream offset on an error: the count of
 * bytes seen and the (at most 3) bytes of a character split across chunks.
 *
 * @internal
 */
export class Utf8StreamDecoder implements Decoder<Uint8Array, string, InvalidUtf8Error> {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
  private consumed = 0
  private pending: Uint8Array = EMPTY

  push(chunk: Uint8Array, out: Array<string>): InvalidUtf8Error | undefined {
    let text: string
    try {
      text = this.decoder.decode(chunk, { stream: true })
    } catch (cause) {
      // the text before the bad sequence comes out first, as it would had the
      // bad sequence arrived in a later chunk: the output does not depend on the cuts
      const joined = concat(this.pending, chunk)
      const at = firstInvalid(joined, false)
      // well-formed after all: the text did not fit in a string (over 2^29 characters), not the peer's fault
      if (at < 0) throw cause
      if (at > 0) out.push(this.decoder.decode(joined.subarray(0, at)))
      return new InvalidUtf8Error({ offset: this.consumed - this.pending.length + at })
    }
    this.consumed += chunk.length
    const tail = chunk.length >= 3 ? chunk : concat(this.pending, chunk)
    const pending = pendingLength(tail)
    this.pending = pending === 0 ? EMPTY : tail.slice(tail.length - pending)
    if (text.length > 0) out.push(text)
    return undefined
  }

  end(out: Array<string>): InvalidUtf8Error | undefined {
    let text: string
    try {
      text = this.decoder.decode()
    } catch {
      // everything before the pending bytes was accepted: they are the incomplete character
      return new InvalidUtf8Error({ offset: this.consumed - this.pending.length, incomplete: true })
    }
    if (text.length > 0) out.push(text)
    return undefined
  }
}

/**
 * One string per frame; the offset of an error is within its frame.
 *
 * @internal
 */
export class Utf8FrameDecoder implements Decoder<Uint8Array, string, InvalidUtf8Error> {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

  push(frame: Uint8Array, out: Array<string>): InvalidUtf8Error | undefined {
    try {
      out.push(this.decoder.decode(frame))
      return undefined
    } catch (cause) {
      const invalid = firstInvalid(frame, false)
      if (invalid >= 0) return new InvalidUtf8Error({ offset: invalid })
      // no error short of the end: the frame ends inside a character
      const incomplete = firstInvalid(frame, true)
      // well-formed after all: the text did not fit in a string (over 2^29 characters), not the peer's fault
      if (incomplete < 0) throw cause
      return new InvalidUtf8Error({ offset: incomplete, incomplete: true })
    }
  }

  end(): undefined {
    return undefined
  }
}

/**
 * Replacement characters instead of errors, split characters still joined.
 *
 * @internal
 */
export class Utf8LenientDecoder implements Decoder<Uint8Array, string, never> {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })

  push(chunk: Uint8Array, out: Array<string>): undefined {
    const text = this.decoder.decode(chunk, { stream: true })
    if (text.length > 0) out.push(text)
    return undefined
  }

  end(out: Array<string>): undefined {
    const text = this.decoder.decode()
    if (text.length > 0) out.push(text)
    return undefined
  }
}
