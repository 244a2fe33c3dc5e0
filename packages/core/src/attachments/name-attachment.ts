import { AttachmentError } from '../errors.js';
import { assertHeaderSafe } from '../message/assert-header-safe.js';

/** Longest file name accepted, in characters (the common file-system limit). */
export const MAX_FILENAME_LENGTH = 255;

/**
 * Reduces a file name to its base name (after the last `/` or `\`), trimmed. Refuses
 * CR, LF and NUL anywhere in it (`HEADER_INJECTION`), other control characters
 * (`INVALID_INPUT`) and names over {@link MAX_FILENAME_LENGTH} characters
 * (`ATTACHMENT_INVALID`). Returns undefined when no usable name remains (empty, `.`
 * or `..`).
 */
export function sanitizeFilename(raw: string, field: string): string | undefined {
  assertHeaderSafe(raw, field);
  const base = (raw.split(/[\\/]/).pop() ?? '').trim();
  if (base === '' || base === '.' || base === '..') return undefined;
  if (base.length > MAX_FILENAME_LENGTH) {
    throw new AttachmentError(
      'ATTACHMENT_INVALID',
      `${field} is ${base.length} characters long, over the limit of ${MAX_FILENAME_LENGTH}`,
      { details: { field, size: base.length, limit: MAX_FILENAME_LENGTH } },
    );
  }
  return base;
}

/** The last segment of a URL's path, percent-decoded, as a file name. */
export function filenameFromUrl(url: URL, field: string): string | undefined {
  const segment = url.pathname.split('/').pop() ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape is kept as written rather than guessed at.
    decoded = segment;
  }
  return sanitizeFilename(decoded, field);
}

/** The name of an attachment nothing else names: `attachment-{n}.bin`, n 1-based. */
export function fallbackFilename(index: number): string {
  return `attachment-${index + 1}.bin`;
}
