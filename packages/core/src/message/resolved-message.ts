import type { Address } from '../address/address.js';
import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';

/** The SMTP envelope: who the message is from and every unique recipient (bcc included). */
export interface Envelope {
  /** MAIL FROM address. */
  from: string;
  /** RCPT TO addresses. */
  to: string[];
}

/**
 * A message after validation, deduplication, rendering and attachment resolution:
 * what a backend receives. Every field is final; backends must not re-validate.
 */
export interface ResolvedMessage {
  /** Mailroom's id for this send. */
  id: string;
  /** RFC 5322 Message-ID, with angle brackets. */
  messageId: string;
  /** The Date header. */
  date: Date;
  /** Sender. */
  from: Address;
  /** Primary recipients, deduplicated. */
  to: Address[];
  /** Carbon-copy recipients, deduplicated. */
  cc: Address[];
  /** Blind recipients: only ever in the envelope. */
  bcc: Address[];
  /** Reply-To addresses. */
  replyTo: Address[];
  /** Subject line. */
  subject: string;
  /** The plain-text part; always present (may be empty when only attachments are sent). */
  text: string;
  /** The HTML part, if any. */
  html?: string;
  /** Validated custom headers. */
  headers: Record<string, string>;
  /** Resolved attachments. */
  attachments: ResolvedAttachment[];
  /** The SMTP envelope. */
  envelope: Envelope;
}
