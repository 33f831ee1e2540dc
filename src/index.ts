/**
 * @since 0.1.0
 */
export * as Address from "./Address.js"

/**
 * @since 0.2.0
 */
export * as Bytes from "./Bytes.js"

/**
 * @since 0.1.0
 */
export * as Client from "./Client.js"

/**
 * @since 0.1.0
 */
export * as Connection from "./Connection.js"

/**
 * @since 0.1.0
 */
export * as Framing from "./Framing.js"

/**
 * @since 0.2.0
 */
export * as Message from "./Message.js"

/**
 * @since 0.1.0
 */
export * as Server from "./Server.js"

/**
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"

/**
 * @since 0.1.0
 */
export * as Utf8 from "./Utf8.js"
