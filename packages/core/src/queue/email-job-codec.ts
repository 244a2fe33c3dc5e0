import { readStreamSource } from '../attachments/read-stream-source.js';
import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import { streamCheckedFile } from '../attachments/stream-checked-file.js';
import { ValidationError } from '../errors.js';
import type { ResolvedMessage } from '../message/resolved-message.js';
import {
  type AttachmentContentReader,
  EMAIL_JOB_VERSION,
  type EmailJob,
  type EmailJobAttachment,
} from './email-job.js';

// Read whole, as the job must hold the bytes, into one buffer: the sources yield exactly
// `size` bytes or throw.
async function readWhole(chunks: AsyncIterable<Uint8Array>, size: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

async function attachmentBytes(attachment: ResolvedAttachment): Promise<Uint8Array> {
  const { source, size, filename } = attachment;
  switch (source.kind) {
    case 'bytes':
      return source.bytes;
    // A file must travel inside the job: the worker may run on another machine. Its
    // size was checked against the limits when it was resolved.
    case 'file':
      return readWhole(streamCheckedFile(source, size, filename), size);
    // A message read back from a job: exactly the size checked when it was resolved.
    case 'stream':
      return readWhole(readStreamSource(source.open, size, filename), size);
  }
}

async function encodeAttachment(attachment: ResolvedAttachment): Promise<EmailJobAttachment> {
  const { source: _source, ...rest } = attachment;
  const bytes = await attachmentBytes(attachment);
  const { cid, ...fields } = rest;
  return {
    ...fields,
    ...(cid === undefined ? {} : { cid }),
    contentBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

/**
 * Turns a resolved message into its queued JSON form, every attachment inline as
 * base64 (a queue may then move large ones out of the job). A `stream` source is read
 * whole for it.
 */
export async function toEmailJob(message: ResolvedMessage): Promise<EmailJob> {
  const { date, attachments, html, ...rest } = message;
  return {
    v: EMAIL_JOB_VERSION,
    ...rest,
    ...(html === undefined ? {} : { html }),
    date: date.toISOString(),
    attachments:
      attachments.length === 0 ? [] : await Promise.all(attachments.map(encodeAttachment)),
  };
}

/** Options of {@link fromEmailJob}. */
export interface FromEmailJobOptions {
  /**
   * Reads the content of attachments the queue stored outside the job (those with a
   * `contentRef`). Without it, such a job is refused.
   */
  contentReader?: AttachmentContentReader;
}

/**
 * Turns a queued job back into a message for a backend. Inline attachments become
 * bytes; referenced ones become `stream` sources read through `options.contentReader`
 * each time the message is composed. Refuses a job of an unknown version or shape, or
 * one with referenced content and no reader, with `INVALID_INPUT` (permanent:
 * retrying cannot fix it).
 */
export function fromEmailJob(job: unknown, options: FromEmailJobOptions = {}): ResolvedMessage {
  const candidate = job as Partial<EmailJob> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.v !== EMAIL_JOB_VERSION) {
    throw new ValidationError(
      'INVALID_INPUT',
      `unsupported email job version ${String(candidate?.v)}`,
      {
        details: { field: 'job.v' },
      },
    );
  }
  const { v: _version, date, attachments, ...rest } = candidate as EmailJob;
  const envelope = rest.envelope as Partial<EmailJob['envelope']> | undefined;
  if (
    !Array.isArray(attachments) ||
    !attachments.every(isJobAttachment) ||
    typeof date !== 'string' ||
    typeof envelope?.from !== 'string' ||
    !Array.isArray(envelope.to) ||
    !envelope.to.every((address) => typeof address === 'string')
  ) {
    throw new ValidationError('INVALID_INPUT', 'malformed email job', {
      details: { field: 'job' },
    });
  }
  const reader = options.contentReader;
  if (reader === undefined && attachments.some((a) => a.contentRef !== undefined)) {
    throw new ValidationError(
      'INVALID_INPUT',
      'email job references attachment content stored outside it, and no content reader was given',
      { details: { field: 'job.attachments' } },
    );
  }
  return {
    ...rest,
    date: new Date(date),
    attachments: attachments.map((attachment) => {
      const { contentBase64, contentRef, ...fields } = attachment;
      return {
        ...fields,
        source:
          contentRef === undefined
            ? { kind: 'bytes', bytes: Buffer.from(contentBase64, 'base64') }
            : {
                kind: 'stream',
                open: () => (reader as AttachmentContentReader).openContent(contentRef, attachment),
              },
      };
    }),
  };
}

function isJobAttachment(value: unknown): value is EmailJobAttachment {
  const a = value as Partial<EmailJobAttachment> | null;
  return (
    a !== null &&
    typeof a === 'object' &&
    typeof a.filename === 'string' &&
    typeof a.contentType === 'string' &&
    typeof a.size === 'number' &&
    typeof a.inline === 'boolean' &&
    // Exactly one of the two.
    (typeof a.contentBase64 === 'string'
      ? a.contentRef === undefined
      : a.contentBase64 === undefined && typeof a.contentRef === 'string' && a.contentRef !== '')
  );
}
