import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Address from "../../src/Address.js"
import * as Client from "../../src/Client.js"
import * as Server from "../../src/Server.js"
import * as Transport from "../../src/Transport.js"

const badPorts = [Number.NaN, -1, 70000, 1.5]

/** The failure of `effect`, which must be a typed failure (a defect would fail the test here). */
const failure = <E>(effect: Effect.Effect<unknown, E, import("effect/Scope").Scope>) =>
  Effect.map(Effect.exit(Effect.scoped(effect)), (exit) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
    if (exit.cause._tag !== "Fail") throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
    return exit.cause.error
  })

describe("bad addresses are typed errors, never defects", () => {
  it.effect("Client.connect: a port outside 0..65535 or not an integer is ConnectError ERR_SOCKET_BAD_PORT naming it", () =>
    Effect.gen(function*() {
      for (const port of badPorts) {
        const error = yield* failure(Client.connect(Address.tcp(port)))
        expect(error).toBeInstanceOf(Client.ConnectError)
        expect(error.code).toBe("ERR_SOCKET_BAD_PORT")
        expect(error.message).toContain(`got ${port}`)
      }
    }))

  it.effect("Server.serve: a bad port is ListenError ERR_SOCKET_BAD_PORT naming it", () =>
    Effect.gen(function*() {
      for (const port of badPorts) {
        const error = yield* failure(Server.serve(Address.tcp(port), () => Effect.void))
        expect(error).toBeInstanceOf(Server.ListenError)
        expect(error.code).toBe("ERR_SOCKET_BAD_PORT")
        expect(error.message).toContain(`got ${port}`)
      }
    }))

  it.effect("an empty Unix path is ERR_INVALID_ARG_VALUE for connect and serve (Node's connect would dial TCP)", () =>
    Effect.gen(function*() {
      const connectError = yield* failure(Client.connect(Address.unix("")))
      expect(connectError).toBeInstanceOf(Client.ConnectError)
      expect(connectError.code).toBe("ERR_INVALID_ARG_VALUE")
      expect(connectError.message).toContain("path is empty")
      const listenError = yield* failure(Server.serve(Address.unix(""), () => Effect.void))
      expect(listenError).toBeInstanceOf(Server.ListenError)
      expect(listenError.code).toBe("ERR_INVALID_ARG_VALUE")
      expect(listenError.message).toContain("path is empty")
    }))

  it.effect("Transport.layerTcp / layerUnix: serve is ListenError and connect is ConnectError", () =>
    Effect.gen(function*() {
      for (const port of badPorts) {
        const transport = yield* Transport.makeTcp({ port })
        const listen = yield* failure(transport.serve(() => Effect.void))
        expect([listen._tag, listen.code]).toEqual(["ListenError", "ERR_SOCKET_BAD_PORT"])
        const connect = yield* failure(transport.connect)
        expect([connect._tag, connect.code]).toEqual(["ConnectError", "ERR_SOCKET_BAD_PORT"])
        expect(connect.message).toContain(`got ${port}`)
      }
      const unix = yield* Effect.provide(Transport.Transport, Transport.layerUnix({ path: "" }))
      expect((yield* failure(unix.serve(() => Effect.void))).code).toBe("ERR_INVALID_ARG_VALUE")
      expect((yield* failure(unix.connect)).code).toBe("ERR_INVALID_ARG_VALUE")
    }))
})
