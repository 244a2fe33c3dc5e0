import type { MailerConfig } from '../config/mailer-config.js';
import { mailerConfigFromEnv } from '../config/mailer-config-from-env.js';
import type { SendEmailInput } from '../message/send-email-input.js';
import { createMailer } from './create-mailer.js';
import type { Mailer } from './mailer.js';
import type { SendResult } from './send-result.js';

let defaultMailer: Promise<Mailer> | undefined;

/**
 * Sets the process-wide mailer used by {@link sendEmail} and returns it. The previous
 * default, if any, is not closed: close it yourself if nothing else uses it.
 */
export function configureMail(config: MailerConfig): Mailer {
  const mailer = createMailer(config);
  defaultMailer = Promise.resolve(mailer);
  return mailer;
}

/**
 * The process-wide mailer: the one given to {@link configureMail}, or else one built
 * once from environment variables (`MAIL_FROM`, `MAIL_BACKEND`, `SMTP_URL`…).
 */
export function getDefaultMailer(): Promise<Mailer> {
  if (defaultMailer === undefined) {
    const pending = mailerConfigFromEnv().then((config) => {
      try {
        return createMailer(config);
      } catch (error) {
        // The queue connection was opened for a mailer that will never exist.
        if (typeof config.queue === 'object') void config.queue.close().catch(() => undefined);
        throw error;
      }
    });
    // A bad environment must be reported again on the next call, not cached.
    pending.catch(() => {
      if (defaultMailer === pending) defaultMailer = undefined;
    });
    defaultMailer = pending;
  }
  return defaultMailer;
}

/** Sends one email with the process-wide mailer. See `Mailer.send`. */
export async function sendEmail(input: SendEmailInput): Promise<SendResult> {
  return (await getDefaultMailer()).send(input);
}

/** Closes the process-wide mailer, if one was created, and forgets it. */
export async function closeDefaultMailer(): Promise<void> {
  const current = defaultMailer;
  defaultMailer = undefined;
  await (await current?.catch(() => undefined))?.close();
}
