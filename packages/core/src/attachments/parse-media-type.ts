// RFC 9110 section 8.3.1: type "/" subtype *( OWS ";" OWS parameter ).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\[\\x09\\x20-\\x7e])*"';
const ESSENCE = new RegExp(`[ \\t]*(${TOKEN})/(${TOKEN})[ \\t]*`, 'y');
const PARAMETER = new RegExp(`;[ \\t]*(?:(${TOKEN})=(${TOKEN}|${QUOTED}))?[ \\t]*`, 'y');

/**
 * Parses a media type such as `text/plain; charset=utf-8`. Returns it normalised
 * (type, subtype and parameter names in lower case, `; ` between parts), or
 * undefined when it is not `type/subtype` with well-formed parameters.
 */
export function parseMediaType(value: string): string | undefined {
  ESSENCE.lastIndex = 0;
  const essence = ESSENCE.exec(value);
  if (essence === null) return undefined;
  const parts = [`${essence[1]}/${essence[2]}`.toLowerCase()];
  PARAMETER.lastIndex = ESSENCE.lastIndex;
  while (PARAMETER.lastIndex < value.length) {
    const parameter = PARAMETER.exec(value);
    if (parameter === null) return undefined;
    if (parameter[1] !== undefined) parts.push(`${parameter[1].toLowerCase()}=${parameter[2]}`);
  }
  return parts.join('; ');
}
