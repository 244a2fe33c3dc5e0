import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import type { ResolvedMessage } from '../message/resolved-message.js';

/** The version of the {@link EmailJob} shape this release writes and reads. */
export const EMAIL_JOB_VERSION = 1;

/**
 * One attachment inside a job: the fields of {@link ResolvedAttachment} (`filename`,
 * `contentType`, `size` decoded, `inline`, `cid?`) and its bytes, either inline as
 * base64 (never as a JSON array of numbers) or, for content a queue keeps outside the
 * job, a reference to it. Exactly one of `contentBase64` and `contentRef` is present.
 */
export type EmailJobAttachment = Omit<ResolvedAttachment, 'source'> &
  (
    | {
        /** The bytes, base64-encoded. */
        contentBase64: string;
        contentRef?: never;
      }
    | {
        /**
         * Where the queue stored the bytes, in terms only that queue understands; a
         * worker reads them through an {@link AttachmentContentReader}. Large
         * attachments travel this way so that the job stays small.
         */
        contentRef: string;
        contentBase64?: never;
      }
  );

/** Reads attachment content that a queue stored outside its jobs. */
export interface AttachmentContentReader {
  /**
   * Streams the bytes stored under `ref` (the attachment's `contentRef`): exactly
   * `attachment.size` of them, decoded. Called once per composition of the message, so
   * each attempt to send reads afresh; nothing is read until the composer reaches the
   * attachment.
   */
  openContent(ref: string, attachment: EmailJobAttachment): AsyncIterable<Uint8Array>;
}

/**
 * The queued form of a message: fully rendered and resolved at send time, so a worker
 * needs neither the caller's templates nor its files. Plain JSON, versioned by `v`:
 * every field of {@link ResolvedMessage} (`id`, `messageId`, `from`, `to`, `cc`, `bcc`,
 * `replyTo`, `subject`, `text`, `html?`, `headers`, `envelope`), with the Date as an
 * ISO 8601 string and attachments as base64 or as references to content the queue
 * stored elsewhere. The Message-ID is kept across retries so a
 * retried message threads as one. A worker refuses versions it does not know.
 */
export interface EmailJob extends Omit<ResolvedMessage, 'date' | 'attachments'> {
  /** Shape version, {@link EMAIL_JOB_VERSION}. */
  v: typeof EMAIL_JOB_VERSION;
  /** The Date header, ISO 8601. */
  date: string;
  /** Attachments with their bytes inline as base64, or referenced. */
  attachments: EmailJobAttachment[];
}
