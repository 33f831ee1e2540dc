/**
 * Whether `object` is plain: its prototype is `Object.prototype`, that of
 * another realm (a `vm` context, a test runner's sandbox), or none.
 *
 * @internal
 */
export const isPlain = (object: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(object)
  return proto === null || proto === Object.prototype ||
    (Object.getPrototypeOf(proto) === null &&
      (proto as { readonly constructor?: { readonly name?: unknown } }).constructor?.name === "Object")
}

/**
 * What an object that is not plain is, named for an error message ("a Map",
 * "a Point", "a class instance"), or `undefined` for a plain one (of any
 * realm, or with no prototype). Arrays are the caller's to tell apart.
 *
 * @internal
 */
export const nonPlain = (object: object): string | undefined => isPlain(object) ? undefined : describe(object)

/**
 * "a Map", "an ArrayBuffer", "a class instance": an object named by its constructor.
 *
 * @internal
 */
export const describe = (object: object): string => {
  const name = (object.constructor as { readonly name?: unknown } | undefined)?.name
  if (typeof name !== "string" || name === "") return "a class instance"
  return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`
}
