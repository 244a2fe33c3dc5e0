import { AttachmentError } from '../errors.js';

/**
 * Reads a fresh stream of a `stream` attachment source, checking that it yields exactly
 * the `size` the attachment declares: a stored copy cut short or grown since would
 * otherwise go out as a silently different attachment. Throws `ATTACHMENT_INVALID`
 * naming the attachment on a mismatch.
 */
export async function* readStreamSource(
  open: () => AsyncIterable<Uint8Array>,
  size: number,
  filename: string,
): AsyncGenerator<Uint8Array> {
  let read = 0;
  for await (const chunk of open()) {
    read += chunk.byteLength;
    if (read > size) throw sizeMismatch(filename, size, `more than ${size}`);
    yield chunk;
  }
  if (read !== size) throw sizeMismatch(filename, size, String(read));
}

function sizeMismatch(filename: string, size: number, read: string): AttachmentError {
  return new AttachmentError(
    'ATTACHMENT_INVALID',
    `attachment ${filename} yielded ${read} bytes instead of ${size}`,
    { details: { filename, size } },
  );
}
