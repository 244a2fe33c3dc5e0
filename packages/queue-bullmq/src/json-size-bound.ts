// Characters JSON.stringify may write as more bytes than their UTF-8 form: escapes
// (`\n`, `\"`, `\u0001`) and lone surrogates (`\ud800`). With none, a string's JSON
// size is exact.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes control characters.
const MAY_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

// Below this length a string is bounded without scanning it: a scan costs more than
// the slack of the bound is worth.
const SCAN_FROM = 4096;

/**
 * An upper bound of `Buffer.byteLength(JSON.stringify(value))` for plain JSON data
 * (objects, arrays, strings, finite numbers, booleans, null), at a fraction of the
 * cost of serialising: no UTF-16 unit takes more than 6 bytes in JSON, and long
 * strings with nothing to escape (base64 attachments) are measured exactly.
 */
export function jsonSizeUpperBound(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length < SCAN_FROM || MAY_ESCAPE.test(value)
        ? 6 * value.length + 2
        : Buffer.byteLength(value) + 2;
    case 'number':
      // The longest form: -0.0000012345678901234567 (25 characters).
      return 25;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      let size = 2;
      if (Array.isArray(value)) {
        for (const item of value) size += jsonSizeUpperBound(item) + 1;
        return size;
      }
      // for…in allocates nothing (Object.entries would, per key); inherited keys,
      // which JSON leaves out, can only raise the bound.
      for (const key in value) {
        size +=
          jsonSizeUpperBound(key) + jsonSizeUpperBound((value as Record<string, unknown>)[key]) + 2;
      }
      return size;
    }
    default:
      // undefined and functions are left out by JSON.stringify, or written as null.
      return 4;
  }
}
