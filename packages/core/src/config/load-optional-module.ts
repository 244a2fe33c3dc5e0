import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

// True only when `name` itself is missing: a package that is installed but misses one of
// its own dependencies must surface as that real error, not as "not installed".
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}'`)
  );
}

/**
 * Imports an optional Mailroom package (a backend or queue) by name, so core keeps no
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
    throw new ConfigError(reason, `needs the package ${name}: install it (npm install ${name})`, {
      cause: error,
      details: { missingPackage: name },
    });
  }
  return (await import(pathToFileURL(resolved).href)) as T;
}
