import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

// `@scope/name` of a specifier that may name an entry of it (`@scope/name/entry`).
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

// True only when the package itself is missing: a package that is installed but misses
// one of its own dependencies must surface as that real error, not as "not installed".
function isMissing(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    (message.includes(`'${specifier}'`) || message.includes(`'${packageOf(specifier)}'`))
  );
}

/**
 * Imports an optional Mailroom package (a backend or queue), or one entry of it
 * (`@mailroom/queue-bullmq/queue`), by name, so core keeps no
 * dependency on it. Core's own resolution is tried first, then the application's (the
 * current directory), where the package is installed as the app's dependency.
 * `reason` says which setting asked for it. When the package is not installed, throws
 * `CONFIG_INVALID` with `details.missingPackage`.
 */
export async function loadOptionalModule<T>(name: string, reason: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
  }
  let resolved: string;
  try {
    resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(name);
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    const missing = packageOf(name);
    throw new ConfigError(
      reason,
      `needs the package ${missing}: install it (npm install ${missing})`,
      { cause: error, details: { missingPackage: missing } },
    );
  }
  return (await import(pathToFileURL(resolved).href)) as T;
}
