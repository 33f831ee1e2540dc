/**
 * Issue 10, item 5: the memory pipe's backlog is consumed by index, so a pipe
 * re-chunked to 1-byte pieces stays linear. Counted, not timed: the chunks a
 * backlog ever copies are at most the chunks pushed into it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as fc from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as Transport from "../../src/Transport.js"
import { Backlog } from "../../src/internal/socket/backlog.js"

type Op = { readonly _tag: "push"; readonly size: number } | { readonly _tag: "shift" } | { readonly _tag: "takeAll" }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }).map((size): Op => ({ _tag: "push", size })) },
  { weight: 5, arbitrary: fc.constant<Op>({ _tag: "shift" }) },
  { weight: 1, arbitrary: fc.constant<Op>({ _tag: "takeAll" }) }
)

describe("Backlog", () => {
  it.prop("is a FIFO that copies each chunk at most once", [fc.array(op, { maxLength: 5000 })], ([ops]) => {
    const backlog = new Backlog()
    const model: Array<Uint8Array> = []
    let pushed = 0
    let bytes = 0
    for (const o of ops) {
      if (o._tag === "push") {
        const chunk = new Uint8Array(o.size).fill(pushed++ % 256)
        backlog.push(chunk)
        model.push(chunk)
        bytes += o.size
      } else if (o._tag === "shift") {
        const chunk = model.shift()
        expect(backlog.shift()).toBe(chunk)
        bytes -= chunk?.byteLength ?? 0
      } else {
        const all = model.splice(0)
        const taken = backlog.takeAll()
        expect(taken.length).toBe(all.length)
        all.forEach((chunk, i) => expect(taken[i]).toBe(chunk))
        bytes = 0
      }
      expect(backlog.length).toBe(model.length)
      expect(backlog.bytes).toBe(bytes)
    }
    expect(backlog.moved).toBeLessThanOrEqual(pushed)
  })

  it("a million 1-byte pieces taken one at a time: every piece in order, at most a million copied", () => {
    const backlog = new Backlog()
    const n = 1_000_000
    const bytes = new Uint8Array(n).map((_, i) => i % 251)
    // As the memory pipe fills it: a cut appends views, the reader takes one per pull, interleaved.
    let taken = 0
    let outOfOrder = 0
    const take = () => {
      if (backlog.shift()![0] !== taken++ % 251) outOfOrder++
    }
    for (let i = 0; i < n; i++) {
      backlog.push(bytes.subarray(i, i + 1))
      if (i % 3 === 2) take()
    }
    while (backlog.length > 0) take()
    expect(taken).toBe(n)
    expect(outOfOrder).toBe(0)
    expect(backlog.moved).toBeLessThanOrEqual(n)
    expect(backlog.bytes).toBe(0)
  })

  it.scopedLive("the memory transport at fixedChunks(1) delivers 64 KiB intact, one byte per pull", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemory({ rechunk: Transport.fixedChunks(1) })
      const payload = new Uint8Array(64 * 1024).map((_, i) => i % 253)
      yield* transport.serve((conn) => Stream.run(conn.read, conn.sink))
      const conn = yield* transport.connect
      const reader = yield* Effect.fork(Stream.runCollect(conn.read))
      yield* conn.write(payload)
      yield* conn.end
      const chunks = Chunk.toReadonlyArray(yield* Fiber.join(reader))
      expect(chunks.every((c) => c.byteLength === 1)).toBe(true)
      expect(Buffer.concat(chunks).equals(Buffer.from(payload))).toBe(true)
    }))
})
