import { ValidationError } from '../errors.js';
import { isPlainObject } from '../is-plain-object.js';
import { assertHeaderSafe } from './assert-header-safe.js';

// RFC 5322 field-name: printable US-ASCII except the colon.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

// Headers Mailroom writes itself from validated fields; a custom copy would bypass
// validation (a Bcc header would leak recipients) or break the MIME structure.
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
]);

/**
 * Validates custom headers, given as a plain object of `name: value` strings: names
 * and values must be safe and not reserved.
 */
export function validateHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (!isPlainObject(headers)) {
    throw new ValidationError('INVALID_INPUT', 'headers must be an object of name: value strings', {
      details: { field: 'headers' },
    });
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers[${JSON.stringify(name)}]`;
    assertHeaderSafe(name, `${field} name`);
    // `__proto__` would not be kept: assigning it sets no property.
    if (!FIELD_NAME.test(name) || name === '__proto__') {
      throw new ValidationError('INVALID_INPUT', `${field} is not a valid header name`, {
        details: { field },
      });
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw new ValidationError(
        'INVALID_INPUT',
        `${field} is set by Mailroom; use the matching sendEmail field instead`,
        { details: { field } },
      );
    }
    if (typeof value !== 'string') {
      throw new ValidationError('INVALID_INPUT', `${field} must be a string`, {
        details: { field },
      });
    }
    assertHeaderSafe(value, field);
    result[name] = value;
  }
  return result;
}
