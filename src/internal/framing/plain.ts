/**
 * What an object that is not plain is, named for an error message ("a Map",
 * "a Point", "a class instance"), or `undefined` for a plain one (prototype
 * `Object.prototype` or none): the objects JSON and MessagePack write as a
 * map and read back as the same value. Arrays are the caller's to tell apart.
 *
 * @internal
 */
export const nonPlain = (object: object): string | undefined => {
  const proto = Object.getPrototypeOf(object)
  if (proto === Object.prototype || proto === null) return undefined
  const name = (object.constructor as { readonly name?: unknown } | undefined)?.name
  return `a ${typeof name === "string" && name !== "" ? name : "class instance"}`
}
