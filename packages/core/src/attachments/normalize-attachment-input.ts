import { isUint8Array } from 'node:util/types';
import { AttachmentError } from '../errors.js';
import { isPlainObject } from '../is-plain-object.js';
import { assertHeaderSafe } from '../message/assert-header-safe.js';
import type { AttachmentSourceSpec, AttachmentSpec } from './attachment-spec.js';
import { sanitizeFilename } from './name-attachment.js';
import { parseMediaType } from './parse-media-type.js';
import { validateRequestHeaders } from './validate-request-headers.js';

const SOURCE_KEYS = ['path', 'url', 'content', 'contentBase64'] as const;
const KNOWN_KEYS = new Set<string>([
  ...SOURCE_KEYS,
  'filename',
  'contentType',
  'inline',
  'cid',
  'headers',
]);
// Two characters at least, so that a Windows drive (`C:\report.pdf`) stays a path.
const URL_SCHEME = /^([a-z][a-z0-9+.-]+):/i;
// RFC 5322 dot-atom characters (the parts of a msg-id), without the angle brackets
// nodemailer adds.
const CID = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]{1,250}$/;

function invalid(field: string, message: string): AttachmentError {
  return new AttachmentError('ATTACHMENT_INVALID', `${field} ${message}`, { details: { field } });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'Object' ? 'an object' : `a ${tag}`;
}

const FORMS =
  'expected a path or URL string, a URL, a Uint8Array, an object with one of path, url, content or contentBase64, or [filename, content, contentType?]';

function unsupported(field: string, value: unknown): AttachmentError {
  const hint = value instanceof ArrayBuffer ? ' (wrap an ArrayBuffer in a Uint8Array)' : '';
  return invalid(field, `is ${describe(value)}${hint}: ${FORMS}`);
}

function parseHttpUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AttachmentError(
      'ATTACHMENT_URL_SCHEME',
      `${field} uses ${url.protocol} URLs: only http:, https: and data: are allowed`,
      { details: { field, scheme: url.protocol.slice(0, -1) } },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(field, 'holds credentials: pass them in headers (authorization) instead');
  }
  return url;
}

function urlSource(
  value: string | URL,
  field: string,
  headers: Record<string, string>,
): AttachmentSourceSpec {
  const text = typeof value === 'string' ? value.trim() : value.href;
  if (/^data:/i.test(text)) return { kind: 'data-url', dataUrl: text };
  return { kind: 'url', url: parseHttpUrl(text, field), headers };
}

function pathSource(value: unknown, field: string): AttachmentSourceSpec {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(field, 'must be a non-empty path');
  }
  if (value.includes('\0')) throw invalid(field, 'contains a NUL character');
  return { kind: 'path', path: value };
}

function stringSource(value: string, field: string): AttachmentSourceSpec {
  return URL_SCHEME.test(value.trim()) ? urlSource(value, field, {}) : pathSource(value, field);
}

function contentSource(value: unknown, field: string): AttachmentSourceSpec {
  if (isUint8Array(value)) return { kind: 'bytes', bytes: value };
  if (typeof value === 'string') return { kind: 'text', text: value };
  throw invalid(field, `is ${describe(value)}: expected a Uint8Array or a string`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

function optionalFilename(value: unknown, field: string): string | undefined {
  const filename = optionalString(value, field);
  return filename === undefined ? undefined : sanitizeFilename(filename, field);
}

function optionalContentType(value: unknown, field: string): string | undefined {
  const contentType = optionalString(value, field);
  if (contentType === undefined) return undefined;
  assertHeaderSafe(contentType, field);
  const parsed = parseMediaType(contentType);
  if (parsed === undefined) {
    throw invalid(field, `${JSON.stringify(contentType)} is not a type/subtype media type`);
  }
  return parsed;
}

function optionalCid(value: unknown, field: string): string | undefined {
  const cid = optionalString(value, field);
  if (cid === undefined) return undefined;
  assertHeaderSafe(cid, field);
  if (!CID.test(cid)) {
    throw invalid(field, 'must be 1 to 250 characters such as logo@example.com, without <>');
  }
  return cid;
}

function fromObject(input: Record<string, unknown>, index: number, field: string): AttachmentSpec {
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw invalid(
      field,
      `has unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}: ${FORMS}`,
    );
  }
  const sources = SOURCE_KEYS.filter((key) => input[key] !== undefined);
  const [key] = sources;
  if (key === undefined || sources.length > 1) {
    throw invalid(field, `must have exactly one of path, url, content or contentBase64`);
  }
  const sourceField = `${field}.${key}`;
  if (input.headers !== undefined && key !== 'url') {
    throw invalid(`${field}.headers`, 'is only allowed with url');
  }
  const value = input[key];
  let source: AttachmentSourceSpec;
  if (key === 'path') {
    source = pathSource(value, sourceField);
  } else if (key === 'url') {
    if (typeof value !== 'string' && !(value instanceof URL)) {
      throw invalid(sourceField, 'must be a URL string or a URL');
    }
    source = urlSource(
      value,
      sourceField,
      validateRequestHeaders(input.headers, `${field}.headers`),
    );
  } else if (key === 'content') {
    source = contentSource(value, sourceField);
  } else {
    if (typeof value !== 'string') throw invalid(sourceField, 'must be a base64 string');
    source = { kind: 'base64', base64: value };
  }
  const filename = optionalFilename(input.filename, `${field}.filename`);
  const contentType = optionalContentType(input.contentType, `${field}.contentType`);
  const cid = optionalCid(input.cid, `${field}.cid`);
  if (input.inline !== undefined && typeof input.inline !== 'boolean') {
    throw invalid(`${field}.inline`, 'must be a boolean');
  }
  return {
    index,
    field,
    sourceField,
    source,
    ...(filename === undefined ? {} : { filename }),
    ...(contentType === undefined ? {} : { contentType }),
    inline: typeof input.inline === 'boolean' ? input.inline : cid !== undefined,
    ...(cid === undefined ? {} : { cid }),
  };
}

function fromTuple(input: readonly unknown[], index: number, field: string): AttachmentSpec {
  if (input.length < 2 || input.length > 3) {
    throw invalid(
      field,
      `is a tuple of ${input.length}: expected [filename, content, contentType?]`,
    );
  }
  const [name, content, type] = input;
  if (typeof name !== 'string') throw invalid(`${field}[0]`, 'must be a file name string');
  const filename = sanitizeFilename(name, `${field}[0]`);
  const contentType = optionalContentType(type, `${field}[2]`);
  return {
    index,
    field,
    sourceField: `${field}[1]`,
    source: contentSource(content, `${field}[1]`),
    ...(filename === undefined ? {} : { filename }),
    ...(contentType === undefined ? {} : { contentType }),
    inline: false,
  };
}

/** Checks the form and fields of one attachment input, without any I/O. */
export function normalizeAttachmentInput(input: unknown, index: number): AttachmentSpec {
  const field = `attachments[${index}]`;
  const spec = (source: AttachmentSourceSpec): AttachmentSpec => ({
    index,
    field,
    sourceField: field,
    source,
    inline: false,
  });
  if (typeof input === 'string') return spec(stringSource(input, field));
  if (isUint8Array(input)) return spec({ kind: 'bytes', bytes: input });
  if (input instanceof URL) return spec(urlSource(input, field, {}));
  if (Array.isArray(input)) return fromTuple(input, index, field);
  if (isPlainObject(input)) return fromObject(input, index, field);
  throw unsupported(field, input);
}

/**
 * Checks the form and fields of every attachment input, in order, before any file is
 * opened or URL fetched: a bad input fails at once, naming its position. Content-IDs
 * must be unique within the message.
 */
export function normalizeAttachmentInputs(inputs: readonly unknown[]): AttachmentSpec[] {
  const specs: AttachmentSpec[] = [];
  const cids = new Map<string, string>();
  // An index loop, not map(): holes in a sparse array are refused, not skipped.
  for (let index = 0; index < inputs.length; index += 1) {
    const spec = normalizeAttachmentInput(inputs[index], index);
    if (spec.cid !== undefined) {
      const key = spec.cid.toLowerCase();
      const first = cids.get(key);
      if (first !== undefined) {
        throw invalid(
          `${spec.field}.cid`,
          `${JSON.stringify(spec.cid)} is already used by ${first}`,
        );
      }
      cids.set(key, spec.field);
    }
    specs.push(spec);
  }
  return specs;
}
