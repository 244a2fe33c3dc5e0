/**
 * True for `{...}` objects (or `Object.create(null)`), false for arrays, Maps, class
 * instances and other exotic objects: only a plain object's own entries are read, so
 * anything else would have its contents silently ignored.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
