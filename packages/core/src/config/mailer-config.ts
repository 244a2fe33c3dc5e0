import type { AddressInput } from '../address/address.js';
import type { AttachmentOptions } from '../attachments/attachment-options.js';
import type { EmailBackend } from '../backend/email-backend.js';
import type { QueueAdapter } from '../queue/queue-adapter.js';
import type { TemplateOptions } from '../templates/template-options.js';

/** Configuration of a mailer, for `createMailer()` and `configureMail()`. */
export interface MailerConfig {
  /** Default sender, such as `App <noreply@example.com>`. */
  from?: AddressInput;
  /** Where messages go: `smtpBackend(...)`, `consoleBackend(...)` or your own. */
  backend: EmailBackend;
  /**
   * Background delivery. `'auto'` (default): an installed `@mailroom/queue-bullmq` when
   * `REDIS_URL` or `MAIL_QUEUE_POSTGRES_URL` is set, else synchronous; a `QueueAdapter`:
   * that queue, synchronous while it is down (unless it refuses fallback); `false`:
   * always synchronous.
   */
  queue?: 'auto' | false | QueueAdapter;
  /** Attachment limits and rules. */
  attachments?: AttachmentOptions;
  /** Template directory for `sendEmail({ template, context })`; see `createTemplateRenderer`. */
  templates?: TemplateOptions;
  /** Return `{ ok: false, error }` instead of throwing, unless a call says otherwise. Default false. */
  failSilently?: boolean;
}
