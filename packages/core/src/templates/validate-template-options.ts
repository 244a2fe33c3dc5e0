import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { TemplateOptions } from './template-options.js';

const KEYS = new Set(['dir', 'cache']);

/**
 * Checks the `templates` setting and fails with `CONFIG_INVALID` naming the key at fault:
 * `templates.dir` must be a non-empty path to an existing directory, `templates.cache` a
 * boolean, and no other key is known.
 */
export function validateTemplateOptions(value: unknown): TemplateOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('templates', 'must be an object such as { dir: "./emails" }');
  }
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigError(`templates.${key}`, 'unknown option');
  }
  const { dir, cache } = options;
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new ConfigError('templates.dir', 'must be a non-empty directory path');
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw new ConfigError('templates.dir', `directory ${resolve(dir)} does not exist`, {
      cause: error,
    });
  }
  if (!isDirectory) throw new ConfigError('templates.dir', `${resolve(dir)} is not a directory`);
  if (cache !== undefined && typeof cache !== 'boolean') {
    throw new ConfigError('templates.cache', 'must be a boolean');
  }
  return { dir, ...(cache === undefined ? {} : { cache }) };
}
