import type { AddressInput, AddressListInput } from '../address/address.js';
import type { AttachmentInput } from '../attachments/attachment-input.js';

/** How urgent a queued email is; ignored by synchronous delivery. */
export type EmailPriority = 'high' | 'normal' | 'low';

/** Everything a caller passes to `sendEmail()` / `mailer.send()`. */
export interface SendEmailInput {
  /** Primary recipients (required; may be an empty array when cc or bcc has one). */
  to: AddressListInput;
  /** Carbon-copy recipients. */
  cc?: AddressListInput;
  /** Blind carbon-copy recipients: in the envelope, never in the headers. */
  bcc?: AddressListInput;
  /** Where replies should go. */
  replyTo?: AddressListInput;
  /** Sender; defaults to the mailer's `from`. */
  from?: AddressInput;
  /** Subject line (required unless a template sets it; an explicit one wins). */
  subject?: string;
  /** Plain-text body. */
  text?: string;
  /** HTML body; a plain-text part is generated from it when `text` is absent. */
  html?: string;
  /** Markdown body, rendered to HTML; the Markdown itself becomes the text part. */
  markdown?: string;
  /** Template name under the configured template directory. */
  template?: string;
  /** Values for the template. */
  context?: Record<string, unknown>;
  /** Extra headers. Structural headers (From, To, Subject, Content-Type…) are refused. */
  headers?: Record<string, string>;
  /** Files and content to attach. */
  attachments?: readonly AttachmentInput[];
  /** Return `{ ok: false, error }` instead of throwing. Overrides the mailer's setting. */
  failSilently?: boolean;
  /** `true` forces the queue, `false` forces synchronous delivery; absent: auto. */
  background?: boolean;
  /** Queue priority. */
  priority?: EmailPriority;
  /** Queue delay in milliseconds, or the time to send at. */
  delay?: number | Date;
  /** A key that makes repeated calls send once (used as the queue job id). */
  idempotencyKey?: string;
}
