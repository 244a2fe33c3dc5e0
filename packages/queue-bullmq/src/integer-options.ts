import { ConfigError } from '@mailroom/core';

/** What an integer setting must be, for messages: `a positive integer`, `an integer >= 0`. */
export function integerRule(min: number): string {
  return min === 1 ? 'a positive integer' : `an integer >= ${min}`;
}

/** True for a safe integer no smaller than `min`. */
export function isIntegerAtLeast(value: unknown, min: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

/**
 * An integer option of a factory: `fallback` when absent, otherwise a safe integer
 * no smaller than `min`. Throws `CONFIG_INVALID` naming `key`.
 */
export function integerOption(value: unknown, key: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!isIntegerAtLeast(value, min)) throw new ConfigError(key, `must be ${integerRule(min)}`);
  return value;
}

/**
 * An integer command-line value: decimal digits only (no `1e3`, `0x10` or empty string),
 * then a safe integer no smaller than `min`. Undefined when the flag is absent; throws
 * what `invalid` returns, given the rule, when the value is bad.
 */
export function integerArgument(
  text: string | undefined,
  min: number,
  invalid: (rule: string) => Error,
): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!isIntegerAtLeast(value, min)) throw invalid(integerRule(min));
  return value;
}
