import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports an optional Mailroom package (a backend or queue) by name, so core keeps no
 * dependency on it. Core's own resolution is tried first, then the application's (the
 * current directory), where the package is installed as the app's dependency.
 * `reason` says which setting asked for it, for the error when it is missing.
 */
export async function loadOptionalModule<T>(name: string, reason: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
  }
  try {
    const resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(name);
    return (await import(pathToFileURL(resolved).href)) as T;
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    throw new ConfigError(reason, `needs the package ${name}: install it (npm install ${name})`, {
      cause: error,
    });
  }
}
