import { defineConfig } from "vitest/config"

// The stress suite (`npm run test:stress`): `*.stress.ts`, so `npm test` (which includes
// `test/**/*.test.ts`) never runs it. One file at a time: the suite measures fds, handles and
// memory of its own process, and the machine is small. `--expose-gc` lets memory be measured
// after a collection rather than whenever V8 last felt like one.
export default defineConfig({
  test: {
    include: ["test/stress/**/*.stress.ts"],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    pool: "forks",
    fileParallelism: false,
    poolOptions: { forks: { execArgv: ["--expose-gc"] } }
  }
})
