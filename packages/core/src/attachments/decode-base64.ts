import { AttachmentError } from '../errors.js';

// Value of each base64 alphabet character (RFC 4648 section 4), -1 for the others.
const VALUES = new Int8Array(128).fill(-1);
for (const [index, char] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
].entries()) {
  VALUES[char.charCodeAt(0)] = index;
}
const PAD = 0x3d;
const isWhitespace = (code: number): boolean =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function invalid(field: string, reason: string, position?: number): AttachmentError {
  return new AttachmentError(
    'ATTACHMENT_INVALID_BASE64',
    `${field} is not valid base64: ${reason}`,
    {
      details: { field, ...(position === undefined ? {} : { position }) },
    },
  );
}

/**
 * Checks `text` strictly and returns how many bytes it decodes to, without decoding.
 * Whitespace and line breaks are allowed anywhere; padding is optional but must be
 * right when present; unused trailing bits must be zero, so that no character's
 * content is silently dropped.
 */
function measureBase64(text: string, field: string): number {
  let digits = 0;
  let padding = 0;
  let last = 0;
  for (let position = 0; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    if (isWhitespace(code)) continue;
    if (code === PAD) {
      padding += 1;
      continue;
    }
    const value = code < 128 ? (VALUES[code] ?? -1) : -1;
    if (value === -1) {
      throw invalid(field, `character ${JSON.stringify(text[position])} at ${position}`, position);
    }
    if (padding > 0) throw invalid(field, `data after padding at ${position}`, position);
    digits += 1;
    last = value;
  }
  const remainder = digits % 4;
  if (remainder === 1) throw invalid(field, 'truncated: a lone character in the last group');
  if (padding > 0 && (padding > 2 || (digits + padding) % 4 !== 0)) {
    throw invalid(field, 'wrong padding');
  }
  // A final group of 2 (3) characters carries 4 (2) bits beyond its last byte.
  const unusedBits = remainder === 2 ? 0x0f : remainder === 3 ? 0x03 : 0;
  if ((last & unusedBits) !== 0) throw invalid(field, 'non-zero bits after the last byte');
  return Math.floor(digits / 4) * 3 + (remainder === 0 ? 0 : remainder - 1);
}

/**
 * Decodes standard base64 strictly: whitespace and line breaks are allowed, any other
 * character, misplaced padding or non-zero trailing bits are `ATTACHMENT_INVALID_BASE64`
 * (with the position). `claim` receives the exact decoded size before anything is
 * decoded, so that a limit can refuse it first.
 */
export function decodeBase64(
  text: string,
  field: string,
  claim: (size: number) => void,
): Uint8Array {
  claim(measureBase64(text, field));
  return Buffer.from(text, 'base64');
}
