import { describe, expect, it } from "@effect/vitest"
import { start } from "./run.js"

describe("examples", () => {
  it("tls-echo serves TLS echo with a throwaway certificate, and a client without the CA is refused", async () => {
    const example = start("tls-echo")
    expect(await example.exit()).toBe(0)
    const output = example.output()
    expect(output).toMatch(/server: TLS echo on 127\.0\.0\.1:\d+/)
    expect(output).toContain("client: handshake done, TLSv1.3, server certificate CN=localhost")
    expect(output).toContain(`client: echoed "hello over TLS"`)
    expect(output).toContain("failed: DEPTH_ZERO_SELF_SIGNED_CERT (TLS handshake: self-signed certificate)")
  })
})
