import { randomUUID } from 'node:crypto';
import type { MailerConfig } from '../config/mailer-config.js';
import { mailerConfigFromEnv } from '../config/mailer-config-from-env.js';
import { MailroomError } from '../errors.js';
import type { SendEmailInput } from '../message/send-email-input.js';
import { createMailer } from './create-mailer.js';
import type { Mailer } from './mailer.js';
import type { SendResult } from './send-result.js';

let defaultMailer: Promise<Mailer> | undefined;
// Whether defaultMailer was built from the environment: nobody else holds it.
let builtFromEnv = false;

/**
 * Sets the process-wide mailer used by {@link sendEmail} and returns it. A default built
 * from the environment (by `sendEmail` or `getDefaultMailer`) is closed once its sends
 * under way finish, or its connections would keep the process alive. One given to an
 * earlier `configureMail` is not: close it yourself if nothing else uses it.
 */
export function configureMail(config: MailerConfig): Mailer {
  const mailer = createMailer(config);
  const replaced = builtFromEnv ? defaultMailer : undefined;
  defaultMailer = Promise.resolve(mailer);
  builtFromEnv = false;
  void replaced?.then((old) => old.close()).catch(() => undefined);
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
    builtFromEnv = true;
  }
  return defaultMailer;
}

/**
 * Sends one email with the process-wide mailer. See `Mailer.send`. With
 * `failSilently: true`, a bad environment (`CONFIG_INVALID`) is returned as a failed
 * result too.
 */
export async function sendEmail(input: SendEmailInput): Promise<SendResult> {
  let mailer: Mailer;
  try {
    mailer = await getDefaultMailer();
  } catch (error) {
    if (input?.failSilently === true && error instanceof MailroomError) {
      return { ok: false, status: 'failed', id: randomUUID(), error };
    }
    throw error;
  }
  return mailer.send(input);
}

/** Closes the process-wide mailer, if one was created, and forgets it. */
export async function closeDefaultMailer(): Promise<void> {
  const current = defaultMailer;
  defaultMailer = undefined;
  builtFromEnv = false;
  await (await current?.catch(() => undefined))?.close();
}
