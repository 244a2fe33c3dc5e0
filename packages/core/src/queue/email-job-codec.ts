import { open } from 'node:fs/promises';
import { readStreamSource } from '../attachments/read-stream-source.js';
import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import { AttachmentError, ValidationError } from '../errors.js';
import type { ResolvedMessage } from '../message/resolved-message.js';
import {
  type AttachmentContentReader,
  EMAIL_JOB_VERSION,
  type EmailJob,
  type EmailJobAttachment,
} from './email-job.js';

// Reads no more than the size checked against the limits when the attachment was
// resolved, so a file that grew since cannot smuggle extra bytes into the job.
async function readCheckedFile(path: string, size: number, filename: string): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new AttachmentError(
      'ATTACHMENT_NOT_FOUND',
      `attachment ${filename} can no longer be read`,
      {
        cause: error,
        details: { filename },
      },
    );
  });
  try {
    const buffer = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

// A stream source (a message read back from a job) is read whole: the job must hold
// the bytes, and the stream yields exactly the size checked when it was first resolved.
async function readStream(
  attachment: ResolvedAttachment,
  openSource: () => AsyncIterable<Uint8Array>,
) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readStreamSource(openSource, attachment.size, attachment.filename)) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function attachmentBytes(attachment: ResolvedAttachment): Promise<Uint8Array> {
  const { source } = attachment;
  switch (source.kind) {
    case 'bytes':
      return source.bytes;
    // A file must travel inside the job: the worker may run on another machine. Its
    // size was checked against the limits when it was resolved.
    case 'file':
      return readCheckedFile(source.path, attachment.size, attachment.filename);
    case 'stream':
      return readStream(attachment, source.open);
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
