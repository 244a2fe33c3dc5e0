import type { Readable } from 'node:stream';

const END_OF_HEADERS = '\r\n\r\n';

/** Reads a MIME stream just far enough to return its header block, then stops it. */
export async function readHeaderBlock(stream: Readable): Promise<string> {
  let seen = '';
  try {
    for await (const chunk of stream) {
      seen += String(chunk);
      const end = seen.indexOf(END_OF_HEADERS);
      if (end !== -1) return seen.slice(0, end);
    }
    return seen;
  } finally {
    stream.destroy();
  }
}
