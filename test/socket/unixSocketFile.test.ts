import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Path from "node:path"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Server from "../../src/Server.js"
import { staleSocketFile, tempDir } from "../peers/support.js"

describe("Unix socket files", () => {
  it.scopedLive("two servers racing to replace one stale socket file: exactly one wins, the other is EADDRINUSE", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "race.sock")
      yield* staleSocketFile(path)
      const served: Array<string> = []
      const start = (name: string) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const exit = yield* Server.serve(Address.unix(path), () => Effect.sync(() => served.push(name))).pipe(
            Scope.extend(scope),
            Effect.exit
          )
          return { name, exit, scope }
        })
      const racers = yield* Effect.all([start("A"), start("B")], { concurrency: 2 })
      const winners = racers.filter((r) => Exit.isSuccess(r.exit))
      const losers = racers.filter((r) => Exit.isFailure(r.exit))
      expect(winners.length).toBe(1)
      expect(losers.length).toBe(1)
      expect(losers[0]!.exit).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "ListenError", code: "EADDRINUSE" })))
      // the winner is the one that answers, and keeps answering after the loser's scope closes
      yield* Scope.close(losers[0]!.scope, Exit.void)
      yield* Effect.scoped(Effect.flatMap(Client.connect(Address.unix(path)), (c) => c.end))
      yield* Effect.sleep("50 millis")
      expect(served).toEqual([winners[0]!.name])
      yield* Scope.close(winners[0]!.scope, Exit.void)
    }))
})
