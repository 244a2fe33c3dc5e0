import type { AddressInput } from '../address/address.js';
import type { AttachmentOptions } from '../attachments/attachment-options.js';
import type { EmailBackend } from '../backend/email-backend.js';

/** Configuration of a mailer, for `createMailer()` and `configureMail()`. */
export interface MailerConfig {
  /** Default sender, such as `App <noreply@example.com>`. */
  from?: AddressInput;
  /** Where messages go: `smtpBackend(...)`, `consoleBackend(...)` or your own. */
  backend: EmailBackend;
  /** `'auto'` (default): use a queue when one is available; `false`: always synchronous. */
  queue?: 'auto' | false;
  /** Attachment limits and rules. */
  attachments?: AttachmentOptions;
  /** Return `{ ok: false, error }` instead of throwing, unless a call says otherwise. Default false. */
  failSilently?: boolean;
}
