import type { Address } from '../address/address.js';
import type { Envelope } from '../message/resolved-message.js';

/** The version of the {@link EmailJob} shape this release writes and reads. */
export const EMAIL_JOB_VERSION = 1;

/** One attachment inside a job: bytes as base64, never as a JSON array of numbers. */
export interface EmailJobAttachment {
  filename: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  inline: boolean;
  cid?: string;
  /** The bytes, base64-encoded. */
  contentBase64: string;
}

/**
 * The queued form of a message: fully rendered and resolved at send time, so a worker
 * needs neither the caller's templates nor its files. Plain JSON, versioned by `v`.
 * A worker refuses versions it does not know instead of guessing.
 */
export interface EmailJob {
  /** Shape version, {@link EMAIL_JOB_VERSION}. */
  v: typeof EMAIL_JOB_VERSION;
  /** Mailroom's id for the send. */
  id: string;
  /** RFC 5322 Message-ID, kept across retries so a retried message threads as one. */
  messageId: string;
  /** The Date header, ISO 8601. */
  date: string;
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  subject: string;
  text: string;
  html?: string;
  headers: Record<string, string>;
  attachments: EmailJobAttachment[];
  envelope: Envelope;
}
