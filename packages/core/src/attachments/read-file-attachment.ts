import type { Stats } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises';
import { AttachmentError } from '../errors.js';
import {
  isInsideDirectory,
  isLexicallyAllowed,
  pathNotAllowed,
  realAllowedDirs,
} from './check-allowed-dirs.js';
import type { SizeClaim } from './size-budget.js';
import { MAGIC_BYTES_LENGTH } from './sniff-magic-bytes.js';
import { CHECKED_OPEN_FLAGS } from './stream-checked-file.js';

/** What resolving a file attachment learns, without reading the file. */
export interface FileAttachmentFacts {
  /** The path with symlinks resolved: what is streamed when the message is sent. */
  realPath: string;
  /** Device and inode of the file checked: the one file that may be streamed. */
  dev: number;
  ino: number;
  /** Size in bytes when checked. */
  size: number;
  /** The leading bytes, for content-type detection. */
  head: Uint8Array;
}

/** What {@link readFileAttachment} needs to know. */
export interface ReadFileContext {
  /** `attachments[i]`, for errors. */
  field: string;
  /** When set, the real path must lie inside one of these directories. */
  allowedDirs: readonly string[] | undefined;
  /** The attachment's share of the size limits. */
  claim: SizeClaim;
}

function notFound(field: string, path: string, error: unknown): AttachmentError {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const reason =
    code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code})`;
  return new AttachmentError('ATTACHMENT_NOT_FOUND', `${field} ${JSON.stringify(path)} ${reason}`, {
    cause: error,
    details: { field, path, reason: code },
  });
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSocket()) return 'socket';
  return 'special file';
}

function assertRegularFile(stats: Stats, field: string, path: string): void {
  if (stats.isFile()) return;
  const type = fileType(stats);
  throw new AttachmentError(
    'ATTACHMENT_INVALID',
    `${field} ${JSON.stringify(path)} is a ${type}, not a regular file`,
    { details: { field, path, fileType: type } },
  );
}

// A /proc file reports no size and holds bytes; many /sys files report 4096 and hold a
// few. One byte read at the end of the reported size (or at 0, for an empty file) tells,
// without reading the file.
async function holdsItsSize(handle: FileHandle, size: number): Promise<boolean> {
  const { bytesRead } = await handle.read(new Uint8Array(1), 0, 1, Math.max(0, size - 1));
  return bytesRead === (size === 0 ? 0 : 1);
}

function sizeNotKnown(field: string, path: string, size: number): AttachmentError {
  return new AttachmentError(
    'ATTACHMENT_INVALID',
    `${field} ${JSON.stringify(path)} does not hold the ${size} bytes its size says (a file ` +
      'such as those in /proc or /sys, or one being rewritten): attach its content instead',
    { details: { field, path, size, reason: 'size-not-known' } },
  );
}

// Whether the file `handle` opened lies inside `realDirs`. O_NOFOLLOW guards only the last
// component of the real path: a directory on the way swapped for a symlink after the
// path was checked is followed. Linux names the file opened in /proc/self/fd; elsewhere,
// the file at the real path, resolved again, must be the one opened.
async function openedInside(
  handle: FileHandle,
  opened: Stats,
  realPath: string,
  realDirs: readonly string[],
): Promise<boolean> {
  const named = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (named !== undefined) return realDirs.some((dir) => isInsideDirectory(named, dir));
  const again = await realpath(realPath).catch(() => undefined);
  if (again === undefined || !realDirs.some((dir) => isInsideDirectory(again, dir))) return false;
  const there = await stat(again).catch(() => undefined);
  return there?.dev === opened.dev && there.ino === opened.ino;
}

async function realPathOf(
  path: string,
  context: ReadFileContext,
): Promise<{ realPath: string; realDirs: string[] | undefined }> {
  const { field, allowedDirs } = context;
  const realDirs = allowedDirs === undefined ? undefined : await realAllowedDirs(allowedDirs);
  let realPath: string;
  try {
    realPath = await realpath(path);
  } catch (error) {
    // Outside the allowed directories, a missing file is refused like any other, so
    // that errors do not tell which files exist there.
    if (realDirs !== undefined && !isLexicallyAllowed(path, allowedDirs ?? [], realDirs)) {
      throw pathNotAllowed(field, path);
    }
    throw notFound(field, path, error);
  }
  if (realDirs !== undefined && !realDirs.some((dir) => isInsideDirectory(realPath, dir))) {
    throw pathNotAllowed(field, path);
  }
  return { realPath, realDirs };
}

/**
 * Checks a file attachment without reading it: the real path (symlinks resolved)
 * within `allowedDirs`, a regular file, its size within the limits. Reads only its
 * first bytes, for content-type detection; the content is streamed at send time.
 */
export async function readFileAttachment(
  path: string,
  context: ReadFileContext,
): Promise<FileAttachmentFacts> {
  const { field, claim } = context;
  const { realPath, realDirs } = await realPathOf(path, context);
  const checked = await stat(realPath).catch((error: unknown) => {
    throw notFound(field, path, error);
  });
  assertRegularFile(checked, field, path);
  claim.grow(checked.size);
  const handle = await open(realPath, CHECKED_OPEN_FLAGS).catch((error: unknown) => {
    throw notFound(field, path, error);
  });
  try {
    const opened = await handle.stat();
    assertRegularFile(opened, field, path);
    if (opened.ino !== checked.ino || opened.dev !== checked.dev) {
      throw new AttachmentError(
        'ATTACHMENT_NOT_FOUND',
        `${field} ${JSON.stringify(path)} was replaced while it was being checked`,
        { details: { field, path, reason: 'replaced' } },
      );
    }
    if (realDirs !== undefined && !(await openedInside(handle, opened, realPath, realDirs))) {
      throw pathNotAllowed(field, path);
    }
    const { size } = checked;
    const head = new Uint8Array(Math.min(MAGIC_BYTES_LENGTH, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || !(await holdsItsSize(handle, size))) {
      throw sizeNotKnown(field, path, size);
    }
    return { realPath, dev: opened.dev, ino: opened.ino, size, head };
  } catch (error) {
    // A read can fail where the open did not (EIO on a disk, EINVAL from a /proc file).
    throw error instanceof AttachmentError ? error : notFound(field, path, error);
  } finally {
    await handle.close();
  }
}
