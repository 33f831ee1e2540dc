import { defineConfig } from "vitest/config"

export default defineConfig({
  // Examples import "effect-net" as an app does; tests that import an example's modules (its framer)
  // get the sources through the same `effect-net-source` condition `npm run example` uses.
  resolve: { conditions: ["effect-net-source"] },
  ssr: { resolve: { conditions: ["effect-net-source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks"
  }
})
