import { realpathSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** Whether the module at `url` is the script node was started with (so a bench file runs alone or from main.ts). */
export const isEntry = (url: string): boolean => {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(url))
  } catch {
    return false
  }
}
