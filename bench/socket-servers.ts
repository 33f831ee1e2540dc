/**
 * The server variants of the socket benchmark by id, each loaded on demand so
 * that a raw server's process never loads Effect (bench/socket-raw.ts,
 * bench/socket-effect.ts).
 */
import type { ServerVariant } from "./socket-raw.js"

const raw = (name: "rawCork" | "rawWritePerFrame" | "rawConcat" | "rawBulk") => async (): Promise<ServerVariant> =>
  (await import("./socket-raw.js"))[name]
const effect = (name: "platformStraightforward" | "platformFramer" | "effectNet" | "effectNetBulk") =>
async (): Promise<ServerVariant> => (await import("./socket-effect.js"))[name]

export const serverVariants = {
  "raw-cork": raw("rawCork"),
  "raw-write-per-frame": raw("rawWritePerFrame"),
  "raw-concat": raw("rawConcat"),
  "platform-stream": effect("platformStraightforward"),
  "platform-framer": effect("platformFramer"),
  "effect-net": effect("effectNet"),
  "raw-bulk": raw("rawBulk"),
  "effect-net-bulk": effect("effectNetBulk")
} as const

export type ServerVariantId = keyof typeof serverVariants
