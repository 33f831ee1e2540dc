import * as path from "node:path"
import { defineConfig } from "vitest/config"

const src = (file: string) => path.resolve(import.meta.dirname, "src", file)

export default defineConfig({
  // Examples import "effect-net" as an app does; tests that import an example's modules (its framer)
  // get the sources, as `npm run example` does through the `effect-net-source` condition.
  resolve: {
    alias: [
      { find: /^effect-net$/, replacement: src("index.ts") },
      { find: /^effect-net\/testing$/, replacement: src("testing.ts") },
      { find: /^effect-net\/rpc$/, replacement: src("rpc.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks"
  }
})
