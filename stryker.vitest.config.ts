import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

/** The suites that exercise the mutated (pure) code; the socket suites are slow and add no kills there. */
export default mergeConfig(base, defineConfig({
  test: {
    include: ["test/framing/**/*.test.ts", "test/properties/**/*.test.ts", "test/message/**/*.test.ts"],
    // 4000-deep nesting overflows the stack of Stryker's instrumented code before ours is reached
    exclude: ["test/message/hostileDeep.test.ts", "**/node_modules/**"]
  }
}))
