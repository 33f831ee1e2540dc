import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * A full garbage collection, in any test process: V8's `gc` of a context made
 * after `--expose-gc` is set. For memory figures that earlier garbage must not
 * move, and for checking that something is no longer held (a `WeakRef`).
 */
setFlagsFromString("--expose-gc")
export const collect = runInNewContext("gc") as () => void

/**
 * ArrayBuffer bytes alive once everything dead is collected: backing stores
 * are freed after the collection that found them dead, so collect, let that
 * run, collect again.
 */
export const liveArrayBufferBytes = async (): Promise<number> => {
  collect()
  await new Promise((resolve) => setTimeout(resolve, 50))
  collect()
  return process.memoryUsage().arrayBuffers
}
