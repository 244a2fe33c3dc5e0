import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { AttachmentError } from '../errors.js';

/**
 * True when `path` lies inside `dir` by whole path components: `/data/allowed/a.pdf`
 * is inside `/data/allowed`, `/data/allowed_evil/a.pdf` and `/data/allowed` itself
 * are not. Both must be absolute and normalised.
 */
export function isInsideDirectory(path: string, dir: string): boolean {
  const rest = relative(dir, path);
  return rest !== '' && !isAbsolute(rest) && rest.split(/[\\/]/)[0] !== '..';
}

/** The allowed directories with symlinks resolved; those that do not exist are dropped. */
export async function realAllowedDirs(dirs: readonly string[]): Promise<string[]> {
  const real = await Promise.all(dirs.map((dir) => realpath(dir).catch(() => undefined)));
  return real.filter((dir): dir is string => dir !== undefined);
}

/** The error for a file outside every allowed directory. */
export function pathNotAllowed(field: string, path: string): AttachmentError {
  return new AttachmentError(
    'ATTACHMENT_PATH_NOT_ALLOWED',
    `${field} ${JSON.stringify(path)} is outside the allowed directories (attachments.allowedDirs)`,
    { details: { field, path } },
  );
}

/**
 * True when `path`, taken as written (resolved against the working directory but
 * with symlinks not followed), lies inside one of `dirs` or their real paths.
 */
export function isLexicallyAllowed(
  path: string,
  dirs: readonly string[],
  realDirs: readonly string[],
): boolean {
  const absolute = resolve(path);
  return [...dirs.map((dir) => resolve(dir)), ...realDirs].some((dir) =>
    isInsideDirectory(absolute, dir),
  );
}
