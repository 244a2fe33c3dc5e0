import { lookup } from 'mime-types';
import { sniffMagicBytes } from './sniff-magic-bytes.js';

/** What is known about an attachment when its content type is chosen. */
export interface ContentTypeEvidence {
  /** The caller's content type, already validated. */
  explicit?: string | undefined;
  /** The leading bytes of the content. */
  head: Uint8Array;
  /** A type declared with the content: the server's Content-Type or a `data:` URL's. */
  declared?: string | undefined;
  /** The caller's or the derived file name; not the `attachment-{n}.bin` fallback. */
  filename?: string | undefined;
  /** True when the bytes are text the caller gave as a string (encoded as UTF-8). */
  fromText: boolean;
}

// Declared types that say nothing about the content.
const GENERIC = new Set([
  'application/octet-stream',
  'binary/octet-stream',
  'application/binary',
  'application/unknown',
  'application/x-download',
  'application/force-download',
]);

const essenceOf = (type: string): string => type.split(';')[0]?.trim() ?? type;

function withUtf8Charset(type: string): string {
  return type.startsWith('text/') && !/;\s*charset=/i.test(type) ? `${type}; charset=utf-8` : type;
}

/**
 * Chooses an attachment's content type, first match wins:
 * 1. the caller's explicit type;
 * 2. the magic bytes of an unambiguous format (PNG, JPEG, GIF, WebP, PDF, gzip): the
 *    bytes themselves cannot be mislabelled, a name or a header can;
 * 3. the declared type (server header, `data:` URL) unless generic, such as
 *    application/octet-stream: it speaks about these very bytes, while a URL's
 *    extension is often a script's (`download.php`);
 * 4. the file name's extension, by mime-types;
 * 5. ZIP magic bytes, after the extension because docx, xlsx, epub or jar are ZIP
 *    files that only the extension names;
 * 6. text/plain for text given as a string, else application/octet-stream.
 *
 * Text types of content given as a string get `charset=utf-8`, the encoding used.
 */
export function detectContentType(evidence: ContentTypeEvidence): string {
  const sniffed = sniffMagicBytes(evidence.head);
  const declared =
    evidence.declared !== undefined && !GENERIC.has(essenceOf(evidence.declared))
      ? evidence.declared
      : undefined;
  const fromExtension = evidence.filename === undefined ? false : lookup(evidence.filename);
  const type =
    evidence.explicit ??
    (sniffed !== undefined && !sniffed.container ? sniffed.type : undefined) ??
    declared ??
    (fromExtension === false ? undefined : fromExtension) ??
    sniffed?.type ??
    (evidence.fromText ? 'text/plain' : 'application/octet-stream');
  return evidence.fromText ? withUtf8Charset(type) : type;
}
