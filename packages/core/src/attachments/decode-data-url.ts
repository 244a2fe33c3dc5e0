import { AttachmentError } from '../errors.js';
import { decodeBase64 } from './decode-base64.js';
import { parseMediaType } from './parse-media-type.js';

/** The content of a `data:` URL. */
export interface DataUrlContent {
  /** The decoded bytes. */
  bytes: Uint8Array;
  /** The media type the URL declares; RFC 2397's `text/plain; charset=US-ASCII` when none. */
  mediaType: string;
}

const DEFAULT_MEDIA_TYPE = 'text/plain; charset=US-ASCII';

const isHex = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) ||
  (code >= 0x41 && code <= 0x46) ||
  (code >= 0x61 && code <= 0x66);

// Percent-decodes as the WHATWG URL standard does: `%XX` becomes that byte, anything
// else (including a stray `%`) stays as its UTF-8 bytes.
function percentDecode(text: string, claim: (size: number) => void): Uint8Array {
  let escapes = 0;
  for (let index = text.indexOf('%'); index !== -1; index = text.indexOf('%', index + 1)) {
    if (isHex(text.charCodeAt(index + 1)) && isHex(text.charCodeAt(index + 2))) escapes += 1;
  }
  claim(Buffer.byteLength(text, 'utf8') - 2 * escapes);
  if (escapes === 0) return Buffer.from(text, 'utf8');
  const encoded = Buffer.from(text, 'utf8');
  const decoded = Buffer.allocUnsafe(encoded.length - 2 * escapes);
  let out = 0;
  for (let index = 0; index < encoded.length; index += 1) {
    const byte = encoded[index] ?? 0;
    if (byte === 0x25 && isHex(encoded[index + 1] ?? 0) && isHex(encoded[index + 2] ?? 0)) {
      decoded[out] = Number.parseInt(encoded.toString('latin1', index + 1, index + 3), 16);
      index += 2;
    } else {
      decoded[out] = byte;
    }
    out += 1;
  }
  return decoded;
}

/**
 * Decodes a `data:` URL (RFC 2397): `data:[<media type>][;base64],<data>`. Base64 data
 * is validated strictly; other data is percent-decoded. `claim` receives the decoded
 * size before anything is decoded. A malformed URL or media type is
 * `ATTACHMENT_INVALID`, bad base64 `ATTACHMENT_INVALID_BASE64`.
 */
export function decodeDataUrl(
  url: string,
  field: string,
  claim: (size: number) => void,
): DataUrlContent {
  const comma = url.indexOf(',');
  if (!/^data:/i.test(url) || comma === -1) {
    throw new AttachmentError('ATTACHMENT_INVALID', `${field} is a data: URL without a comma`, {
      details: { field },
    });
  }
  const header = url.slice('data:'.length, comma);
  const isBase64 = /;[ \t]*base64[ \t]*$/i.test(header);
  const typeText = (isBase64 ? header.slice(0, header.lastIndexOf(';')) : header).trim();
  // `data:;charset=utf-8,...` gives parameters of the default type.
  const mediaType =
    typeText === ''
      ? DEFAULT_MEDIA_TYPE
      : parseMediaType(typeText.startsWith(';') ? `text/plain${typeText}` : typeText);
  if (mediaType === undefined) {
    throw new AttachmentError(
      'ATTACHMENT_INVALID',
      `${field} is a data: URL with an invalid media type ${JSON.stringify(typeText)}`,
      { details: { field } },
    );
  }
  const data = url.slice(comma + 1);
  const bytes = isBase64 ? decodeBase64(data, field, claim) : percentDecode(data, claim);
  return { bytes, mediaType };
}
