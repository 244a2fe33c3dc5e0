import { posix } from 'node:path';
import { TemplateError } from '../errors.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;
const PERCENT_ENCODED = /%[0-9a-f]{2}/i;
const WINDOWS_DRIVE = /^[a-z]:/i;

function invalidName(name: string, reason: string): TemplateError {
  return new TemplateError(
    'TEMPLATE_INVALID_NAME',
    `invalid template name ${JSON.stringify(name)}: ${reason}`,
    { details: { field: 'template', template: name } },
  );
}

/**
 * Checks a template name and returns it normalised to a relative POSIX path inside the
 * template directory (`./a/../b.txt` becomes `b.txt`). Refused with
 * `TEMPLATE_INVALID_NAME`: empty names, NUL and other control characters, backslashes,
 * percent-encoded characters (`%2e%2e`, `%2f`), absolute paths, and `..` segments that
 * leave the directory. Dots inside a segment are ordinary (`a..b.txt` is fine).
 *
 * Names are file paths, never URLs: nothing is decoded, so an encoded form can only be a
 * mistake or an attempt to slip past these checks.
 */
export function resolveTemplateName(name: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalidName(name, 'it is empty');
  if (name.includes('\0')) throw invalidName(name, 'it contains a NUL byte');
  if (CONTROL_CHARACTER.test(name)) throw invalidName(name, 'it contains a control character');
  if (name.includes('\\')) {
    throw invalidName(name, 'backslashes are refused; separate directories with /');
  }
  if (PERCENT_ENCODED.test(name)) {
    throw invalidName(name, 'percent-encoded characters are refused; names are paths, not URLs');
  }
  if (name.startsWith('/') || WINDOWS_DRIVE.test(name)) {
    throw invalidName(
      name,
      'absolute paths are refused; give a path inside the template directory',
    );
  }
  const normalized = posix.normalize(name);
  if (normalized === '..' || normalized.startsWith('../')) {
    throw invalidName(name, 'it leaves the template directory');
  }
  if (normalized === '.' || normalized.endsWith('/')) {
    throw invalidName(name, 'it names a directory, not a template file');
  }
  return normalized;
}
