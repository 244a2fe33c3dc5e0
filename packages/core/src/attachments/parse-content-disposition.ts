const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const PARAMETER = new RegExp(`;\\s*(${TOKEN})\\s*=\\s*(?:${QUOTED}|(${TOKEN}))`, 'g');
// RFC 8187 ext-value: charset'language'value-chars.
const EXT_VALUE =
  /^([!#$%&+^`{}~0-9A-Za-z-]+)'[^']*'((?:%[0-9A-Fa-f]{2}|[!#$&+.^_`|~0-9A-Za-z-])*)$/;

function decodeExtValue(value: string): string | undefined {
  const match = EXT_VALUE.exec(value);
  if (match === null) return undefined;
  const charset = (match[1] ?? '').toLowerCase();
  const bytes = Buffer.from(
    (match[2] ?? '').replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    ),
    'latin1',
  );
  if (charset === 'utf-8') return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  if (charset === 'iso-8859-1') return bytes.toString('latin1');
  return undefined;
}

/**
 * The file name a Content-Disposition header gives (RFC 6266): `filename*` (RFC 8187,
 * UTF-8 or ISO-8859-1) when present and decodable, else `filename`. The value is
 * returned as sent: the caller sanitises it.
 */
export function filenameFromContentDisposition(header: string): string | undefined {
  let plain: string | undefined;
  let extended: string | undefined;
  for (const match of header.matchAll(PARAMETER)) {
    const name = (match[1] ?? '').toLowerCase();
    const value = match[2] === undefined ? (match[3] ?? '') : match[2].replace(/\\(.)/g, '$1');
    if (name === 'filename*') {
      try {
        extended ??= decodeExtValue(value);
      } catch {
        // Not valid UTF-8: fall back to the plain filename.
      }
    } else if (name === 'filename') {
      plain ??= value;
    }
  }
  return extended ?? plain;
}
