import { AttachmentError, ValidationError } from '../errors.js';
import { assertHeaderSafe } from '../message/assert-header-safe.js';
import type { AttachmentInput } from './attachment-input.js';
import { type AttachmentOptions, DEFAULT_MAX_ATTACHMENT_BYTES } from './attachment-options.js';
import type { ResolvedAttachment } from './resolved-attachment.js';

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

function invalid(field: string, message: string): AttachmentError {
  return new AttachmentError('ATTACHMENT_INVALID', `${field} ${message}`, { details: { field } });
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  assertHeaderSafe(value, field);
  return value;
}

function baseName(filename: string): string {
  return filename.split(/[\\/]/).pop() ?? filename;
}

function resolveOne(input: unknown, index: number, maxBytes: number): ResolvedAttachment {
  const field = `attachments[${index}]`;
  const fallbackName = `attachment-${index + 1}.bin`;
  if (input instanceof Uint8Array) {
    return checkSize(
      {
        filename: fallbackName,
        contentType: 'application/octet-stream',
        inline: false,
        bytes: input,
      },
      field,
      maxBytes,
    );
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(field, 'is not a supported attachment form');
  }
  const object = input as Record<string, unknown>;
  const { content } = object;
  if (!(content instanceof Uint8Array) && typeof content !== 'string') {
    throw invalid(field, 'is not a supported attachment form');
  }
  const filename = optionalString(object.filename, `${field}.filename`);
  const contentType = optionalString(object.contentType, `${field}.contentType`);
  const cid = optionalString(object.cid, `${field}.cid`);
  if (contentType !== undefined && !CONTENT_TYPE.test(contentType)) {
    throw invalid(`${field}.contentType`, `${JSON.stringify(contentType)} is not type/subtype`);
  }
  if (object.inline !== undefined && typeof object.inline !== 'boolean') {
    throw invalid(`${field}.inline`, 'must be a boolean');
  }
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const name = filename === undefined ? '' : baseName(filename).trim();
  return checkSize(
    {
      filename: name || fallbackName,
      contentType:
        contentType ??
        (typeof content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
      inline: object.inline === true,
      ...(cid === undefined ? {} : { cid }),
      bytes,
    },
    field,
    maxBytes,
  );
}

function checkSize(
  part: Omit<ResolvedAttachment, 'size' | 'source'> & { bytes: Uint8Array },
  field: string,
  maxBytes: number,
): ResolvedAttachment {
  const { bytes, ...rest } = part;
  if (bytes.byteLength > maxBytes) {
    throw new AttachmentError(
      'ATTACHMENT_TOO_LARGE',
      `${field} is ${bytes.byteLength} bytes, over the limit of ${maxBytes}`,
      { details: { field, size: bytes.byteLength, limit: maxBytes } },
    );
  }
  return { ...rest, size: bytes.byteLength, source: { kind: 'bytes', bytes } };
}

/**
 * Validates and resolves every attachment of a message within the configured limits.
 * Throws an {@link AttachmentError} naming the position of the first bad attachment.
 */
export async function resolveAttachments(
  inputs: readonly AttachmentInput[] | undefined,
  options: AttachmentOptions = {},
): Promise<ResolvedAttachment[]> {
  if (inputs === undefined) return [];
  if (!Array.isArray(inputs)) {
    throw new ValidationError('INVALID_INPUT', 'attachments must be an array', {
      details: { field: 'attachments' },
    });
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const resolved = inputs.map((input, index) => resolveOne(input, index, maxBytes));
  const total = resolved.reduce((sum, part) => sum + part.size, 0);
  if (options.maxTotalBytes !== undefined && total > options.maxTotalBytes) {
    throw new AttachmentError(
      'ATTACHMENT_TOTAL_TOO_LARGE',
      `attachments total ${total} bytes, over the limit of ${options.maxTotalBytes}`,
      { details: { field: 'attachments', size: total, limit: options.maxTotalBytes } },
    );
  }
  return resolved;
}
