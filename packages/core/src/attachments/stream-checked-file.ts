import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { AttachmentError } from '../errors.js';
import { readStreamSource } from './read-stream-source.js';

/**
 * How a checked file is opened, when it is checked and each time it is read.
 * O_NONBLOCK: a FIFO swapped in after the type check must not hang the open.
 * O_NOFOLLOW: nor may a symlink swapped in for the checked real path be followed.
 */
export const CHECKED_OPEN_FLAGS =
  constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** A file as it was checked: its real path and which file that was. */
export interface CheckedFile {
  /** The real path (symlinks resolved). */
  readonly path: string;
  /** Device and inode of the checked file. */
  readonly dev: number;
  readonly ino: number;
}

// Read in 16 KiB chunks, not the default 64 KiB: every chunk is garbage off V8's heap
// until a collection, and smaller ones kept a 25 MiB send at 0.5-12 MiB of RSS growth
// instead of 14-19 MiB (benchmark S5, 10 rounds each; 32 KiB behaves like 64). The cost,
// ~70 ms more for 25 MiB to a loopback server, is lost in any real network's transfer time.
const CHUNK_BYTES = 16 * 1024;

function cannotRead(filename: string, error: unknown): AttachmentError {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  // With O_NOFOLLOW, a path that has become a symlink does not open.
  const reason = code === 'ELOOP' ? 'replaced' : code;
  const why = code === 'ELOOP' ? 'was replaced by a symlink' : `can no longer be read (${code})`;
  return new AttachmentError('ATTACHMENT_NOT_FOUND', `attachment ${filename} ${why}`, {
    cause: error,
    details: { filename, reason },
  });
}

/**
 * Streams exactly `size` bytes of the file that was checked, opened afresh. Another
 * file put in its place since (even through a symlink: the check's `allowedDirs` would
 * otherwise be bypassed) is refused with `ATTACHMENT_NOT_FOUND`; a file that has shrunk
 * with `ATTACHMENT_INVALID`. A file that has grown yields only the bytes checked.
 * Nothing is opened until the first read, so a send that fails before reaching the
 * part leaves no descriptor open.
 */
export async function* streamCheckedFile(
  file: CheckedFile,
  size: number,
  filename: string,
): AsyncGenerator<Uint8Array> {
  const handle = await open(file.path, CHECKED_OPEN_FLAGS).catch((error: unknown) => {
    throw cannotRead(filename, error);
  });
  let streaming = false;
  try {
    const { dev, ino } = await handle.stat().catch((error: unknown) => {
      throw cannotRead(filename, error);
    });
    if (dev !== file.dev || ino !== file.ino) {
      throw new AttachmentError(
        'ATTACHMENT_NOT_FOUND',
        `attachment ${filename} was replaced by another file since it was checked`,
        { details: { filename, reason: 'replaced' } },
      );
    }
    if (size === 0) return;
    streaming = true;
    // The stream closes the handle when it ends, fails or is abandoned.
    const stream = handle.createReadStream({ start: 0, end: size - 1, highWaterMark: CHUNK_BYTES });
    // Only the file's own read errors are the attachment's; one its reader destroys the
    // stream with (a dropped connection) is passed on as it is.
    let readFailure: unknown;
    stream.on('error', (error) => {
      readFailure ??= error;
    });
    try {
      yield* readStreamSource(() => stream, size, filename);
    } catch (error) {
      throw error === readFailure ? cannotRead(filename, error) : error;
    }
  } finally {
    if (!streaming) await handle.close();
  }
}
