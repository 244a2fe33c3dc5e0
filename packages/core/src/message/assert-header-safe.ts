import { ValidationError } from '../errors.js';

// CR and LF end a header line and NUL truncates it in some MTAs: any of them in a
// header-bound value is an injection attempt, and is refused rather than stripped.
const INJECTION = /[\r\n\0]/;
// Other C0 controls and DEL have no business in a header either, but are not injection.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * Refuses a value bound for a header when it could inject headers (CR, LF, NUL:
 * `HEADER_INJECTION`) or holds other control characters (`INVALID_INPUT`).
 */
export function assertHeaderSafe(value: string, field: string): void {
  if (INJECTION.test(value)) {
    throw new ValidationError(
      'HEADER_INJECTION',
      `${field} contains a line break or NUL character, which could inject headers`,
      { details: { field } },
    );
  }
  if (CONTROL.test(value)) {
    throw new ValidationError('INVALID_INPUT', `${field} contains a control character`, {
      details: { field },
    });
  }
}
