/**
 * Knuth-Morris-Pratt delimiter matching, shared by the delimiter decoder, its
 * encoder and `ByteQueue.search`: each byte is looked at once whatever the
 * delimiter's length and however the input is chunked.
 */

/**
 * fallback[k]: the longest proper prefix of delimiter[0..k) that is also its suffix.
 *
 * @internal
 */
export const failureTable = (delimiter: Uint8Array): Int32Array => {
  const table = new Int32Array(delimiter.length + 1)
  for (let k = 2, j = 0; k <= delimiter.length; k++) {
    while (j > 0 && delimiter[k - 1] !== delimiter[j]) j = table[j]!
    if (delimiter[k - 1] === delimiter[j]) j++
    table[k] = j
  }
  return table
}

/**
 * Delimiter bytes matched after `byte`, given `matched` before it.
 *
 * @internal
 */
export const step = (matched: number, byte: number, delimiter: Uint8Array, fallback: Int32Array): number => {
  while (matched > 0 && byte !== delimiter[matched]) matched = fallback[matched]!
  return byte === delimiter[matched] ? matched + 1 : 0
}

/**
 * Where the first occurrence of `delimiter` in `bytes` ends, or -1.
 *
 * @internal
 */
export const firstMatchEnd = (bytes: Uint8Array, delimiter: Uint8Array, fallback: Int32Array): number => {
  let matched = 0
  for (let i = 0; i < bytes.length;) {
    if (matched === 0) {
      // nothing is half-matched: jump to the next byte that can start a delimiter
      i = bytes.indexOf(delimiter[0]!, i)
      if (i < 0) return -1
    }
    matched = step(matched, bytes[i++]!, delimiter, fallback)
    if (matched === delimiter.length) return i
  }
  return -1
}
