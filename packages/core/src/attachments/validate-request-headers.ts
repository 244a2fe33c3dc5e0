import { AttachmentError } from '../errors.js';
import { assertHeaderSafe } from '../message/assert-header-safe.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers that frame the request or pick the connection: Mailroom sets them, or
// they could undo `accept-encoding: identity` and the checked destination.
const RESERVED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
]);

function invalid(field: string, message: string): AttachmentError {
  return new AttachmentError('ATTACHMENT_INVALID', `${field} ${message}`, { details: { field } });
}

/**
 * Checks the extra request headers of a URL attachment: a plain object of string
 * values with valid names, none of them reserved, none able to inject a header
 * (`HEADER_INJECTION`). Returns them with lower-case names.
 */
export function validateRequestHeaders(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(field, 'must be an object of header names to string values');
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    const headerField = `${field}.${name}`;
    if (!TOKEN.test(name)) throw invalid(headerField, 'is not a valid header name');
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) throw invalid(headerField, 'is set by Mailroom and cannot be given');
    if (typeof headerValue !== 'string') throw invalid(headerField, 'must be a string');
    assertHeaderSafe(headerValue, headerField);
    headers[lower] = headerValue;
  }
  return headers;
}
