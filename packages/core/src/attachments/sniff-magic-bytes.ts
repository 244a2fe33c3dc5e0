/** How many leading bytes {@link sniffMagicBytes} needs to see. */
export const MAGIC_BYTES_LENGTH = 16;

/** A type recognised from a file's leading bytes. */
export interface SniffedType {
  /** The MIME type. */
  type: string;
  /**
   * True for container formats (ZIP) whose more specific type (docx, epub, jar…) only
   * the extension can tell.
   */
  container: boolean;
}

interface Signature {
  type: string;
  container?: true;
  /** Bytes at `offset`; `undefined` matches any byte. */
  bytes: ReadonlyArray<number | undefined>;
}

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

// Only signatures that are unambiguous and common in email; a few bytes of text
// formats (HTML, CSV, SVG) prove nothing, so they are left to the extension.
const SIGNATURES: readonly Signature[] = [
  { type: 'image/png', bytes: [0x89, ...ascii('PNG\r\n\x1a\n')] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: ascii('GIF87a') },
  { type: 'image/gif', bytes: ascii('GIF89a') },
  { type: 'image/webp', bytes: [...ascii('RIFF'), ...new Array(4), ...ascii('WEBP')] },
  { type: 'application/pdf', bytes: ascii('%PDF-') },
  { type: 'application/gzip', bytes: [0x1f, 0x8b, 0x08] },
  { type: 'application/zip', container: true, bytes: [...ascii('PK'), 0x03, 0x04] },
  { type: 'application/zip', container: true, bytes: [...ascii('PK'), 0x05, 0x06] },
];

/** Recognises a handful of well-known formats from their leading bytes. */
export function sniffMagicBytes(head: Uint8Array): SniffedType | undefined {
  const match = SIGNATURES.find(
    ({ bytes }) =>
      head.length >= bytes.length &&
      bytes.every((byte, index) => byte === undefined || head[index] === byte),
  );
  return match === undefined
    ? undefined
    : { type: match.type, container: match.container === true };
}
