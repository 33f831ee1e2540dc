import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/**
 * A full garbage collection, in any test process: V8's `gc` of a context made
 * after `--expose-gc` is set. For memory figures that earlier garbage must not
 * move, and for checking that something is no longer held (a `WeakRef`).
 */
setFlagsFromString("--expose-gc")
export const collect = runInNewContext("gc") as () => void
