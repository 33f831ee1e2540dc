/**
 * Bench inputs: length-prefixed wire bytes built once per (frame size, chunk
 * size) case, cut into chunk-size views (no copies), plus the checksum every
 * decoder's output must match.
 */
import { randomFillSync } from "node:crypto"

/** What a decoder produced: enough to catch lost, extra, reordered or mangled frames. */
export class Tally {
  frames = 0
  bytes = 0
  hash = 0

  add(frame: Uint8Array): void {
    const n = frame.length
    this.frames++
    this.bytes += n
    this.hash = (Math.imul(this.hash, 31) + n + (n > 0 ? frame[0]! * 257 + frame[n - 1]! * 65537 : 0)) | 0
  }

  equals(that: Tally): boolean {
    return this.frames === that.frames && this.bytes === that.bytes && this.hash === that.hash
  }

  toString(): string {
    return `${this.frames} frames, ${this.bytes} B, hash ${this.hash}`
  }
}

/** 4-byte big-endian length prefix + body, `frameCount` times, in one Buffer. */
export class Wire {
  readonly wireSize: number
  readonly frameCount: number
  readonly bytes: Buffer

  constructor(readonly frameSize: number, totalBytes: number) {
    this.wireSize = frameSize + 4
    this.frameCount = Math.max(1, Math.floor(totalBytes / this.wireSize))
    this.bytes = Buffer.allocUnsafe(this.frameCount * this.wireSize)
    randomFillSync(this.bytes)
    for (let i = 0, at = 0; i < this.frameCount; i++, at += this.wireSize) {
      this.bytes.writeUInt32BE(frameSize, at)
      // first and last body bytes carry the frame index, so reordering shows in the hash
      this.bytes[at + 4] = i & 0xff
      this.bytes[at + 3 + frameSize] = (i * 7 + 1) & 0xff
    }
  }

  /** The first `frames` frames, cut into views of `chunkSize` bytes (the last one may be shorter). */
  cut(frames: number, chunkSize: number): Array<Uint8Array> {
    const end = frames * this.wireSize
    const chunks: Array<Uint8Array> = new Array(Math.ceil(end / chunkSize))
    for (let i = 0, at = 0; at < end; i++, at += chunkSize) {
      chunks[i] = this.bytes.subarray(at, Math.min(at + chunkSize, end))
    }
    return chunks
  }

  /** The tally a correct decoder gives for the first `frames` frames, read straight off the wire. */
  expected(frames: number): Tally {
    const tally = new Tally()
    for (let i = 0, at = 4; i < frames; i++, at += this.wireSize) {
      tally.add(this.bytes.subarray(at, at + this.frameSize))
    }
    return tally
  }
}
