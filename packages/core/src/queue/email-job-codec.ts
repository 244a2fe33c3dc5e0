import { open } from 'node:fs/promises';
import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import { AttachmentError, ValidationError } from '../errors.js';
import type { ResolvedMessage } from '../message/resolved-message.js';
import { EMAIL_JOB_VERSION, type EmailJob, type EmailJobAttachment } from './email-job.js';

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

async function encodeAttachment(attachment: ResolvedAttachment): Promise<EmailJobAttachment> {
  const { source, ...rest } = attachment;
  // A file must travel inside the job: the worker may run on another machine. Its size
  // was checked against the limits when it was resolved.
  const bytes =
    source.kind === 'bytes'
      ? source.bytes
      : await readCheckedFile(source.path, attachment.size, attachment.filename);
  const { cid, ...fields } = rest;
  return {
    ...fields,
    ...(cid === undefined ? {} : { cid }),
    contentBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

/** Turns a resolved message into its queued JSON form. */
export async function toEmailJob(message: ResolvedMessage): Promise<EmailJob> {
  const { date, attachments, html, ...rest } = message;
  return {
    v: EMAIL_JOB_VERSION,
    ...rest,
    ...(html === undefined ? {} : { html }),
    date: date.toISOString(),
    attachments: await Promise.all(attachments.map(encodeAttachment)),
  };
}

/**
 * Turns a queued job back into a message for a backend. Refuses a job of an unknown
 * version or shape with `INVALID_INPUT` (permanent: retrying cannot fix it).
 */
export function fromEmailJob(job: unknown): ResolvedMessage {
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
    !Array.isArray(envelope.to)
  ) {
    throw new ValidationError('INVALID_INPUT', 'malformed email job', {
      details: { field: 'job' },
    });
  }
  return {
    ...rest,
    date: new Date(date),
    attachments: attachments.map(({ contentBase64, ...fields }) => ({
      ...fields,
      source: { kind: 'bytes', bytes: Buffer.from(contentBase64, 'base64') },
    })),
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
    typeof a.contentBase64 === 'string'
  );
}
