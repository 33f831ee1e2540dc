import { type ChildProcess, spawn } from "node:child_process"
import * as path from "node:path"

/** The repository root: examples run from it, importing "effect-net" as an app does. */
export const root = path.resolve(import.meta.dirname, "../..")

export interface Running {
  readonly child: ChildProcess
  /** Everything the example printed so far (stdout and stderr, in arrival order). */
  readonly output: () => string
  /** Resolves with the first match of `pattern` in the output, within `ms`. */
  readonly waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>
  /** Resolves with the exit code (or signal) within `ms`; kills the example past that. */
  readonly exit: (ms?: number) => Promise<number | NodeJS.Signals>
}

/** Starts `examples/<name>.ts` as its own process, the way the README says to run it. */
export const start = (name: string, args: ReadonlyArray<string> = []): Running => {
  const child = spawn(
    process.execPath,
    ["--conditions=effect-net-source", "--import", "tsx", path.join(root, "examples", `${name}.ts`), ...args],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  const listeners = new Set<() => void>()
  const append = (data: Buffer) => {
    output += data.toString("utf8")
    for (const listener of listeners) listener()
  }
  child.stdout!.on("data", append)
  child.stderr!.on("data", append)
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1))
  )
  const waitFor = (pattern: RegExp, ms = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern)
        if (match) {
          listeners.delete(check)
          clearTimeout(timer)
          resolve(match)
        }
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(new Error(`${name}: no ${pattern} within ${ms} ms; output so far:\n${output}`))
      }, ms)
      listeners.add(check)
      check()
    })
  const exit = (ms = 30_000) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms)
    return exited.finally(() => clearTimeout(timer))
  }
  return { child, output: () => output, waitFor, exit }
}
