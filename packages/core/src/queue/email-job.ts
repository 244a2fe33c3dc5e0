import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import type { ResolvedMessage } from '../message/resolved-message.js';

/** The version of the {@link EmailJob} shape this release writes and reads. */
export const EMAIL_JOB_VERSION = 1;

/**
 * One attachment inside a job: the fields of {@link ResolvedAttachment} (`filename`,
 * `contentType`, `size` decoded, `inline`, `cid?`) with the bytes as base64, never as a
 * JSON array of numbers.
 */
export interface EmailJobAttachment extends Omit<ResolvedAttachment, 'source'> {
  /** The bytes, base64-encoded. */
  contentBase64: string;
}

/**
 * The queued form of a message: fully rendered and resolved at send time, so a worker
 * needs neither the caller's templates nor its files. Plain JSON, versioned by `v`:
 * every field of {@link ResolvedMessage} (`id`, `messageId`, `from`, `to`, `cc`, `bcc`,
 * `replyTo`, `subject`, `text`, `html?`, `headers`, `envelope`), with the Date as an
 * ISO 8601 string and attachments as base64. The Message-ID is kept across retries so a
 * retried message threads as one. A worker refuses versions it does not know.
 */
export interface EmailJob extends Omit<ResolvedMessage, 'date' | 'attachments'> {
  /** Shape version, {@link EMAIL_JOB_VERSION}. */
  v: typeof EMAIL_JOB_VERSION;
  /** The Date header, ISO 8601. */
  date: string;
  /** Attachments with their bytes inline as base64. */
  attachments: EmailJobAttachment[];
}
