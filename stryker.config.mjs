// Mutation testing of the pure code (framing, UTF-8, Bytes, Message): `npm run mutate`. Not in CI.
// Stryker's packages may live outside this checkout: STRYKER_PLUGINS points at the vitest runner's
// entry file (…/@stryker-mutator/vitest-runner/dist/src/index.js) when they are not in node_modules.
const runner = process.env.STRYKER_PLUGINS ?? "@stryker-mutator/vitest-runner"

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  plugins: [runner],
  testRunner: "vitest",
  vitest: { configFile: "stryker.vitest.config.ts", related: false },
  mutate: [
    "src/internal/framing/*.ts",
    "src/Framing.ts",
    "src/Utf8.ts",
    "src/Bytes.ts",
    "src/Message.ts"
  ],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 5000,
  incremental: true,
  incrementalFile: "scratch/stryker-incremental.json",
  tempDirName: "scratch/stryker-tmp",
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "scratch/mutation.json" },
  thresholds: { high: 90, low: 75, break: null }
}
