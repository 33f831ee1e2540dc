/**
 * `npm run bench`: the decode benchmark, then the socket benchmark
 * (bench/decode.ts, bench/sockets.ts; each also runs alone). BENCH_QUICK=1
 * for a quick, rougher run of both.
 */
import { decodeBench } from "./decode.js"
import { socketBenchAndReport } from "./sockets.js"

const main = async () => {
  await socketBenchAndReport(await decodeBench())
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
