import type { MailerConfig } from '../config/mailer-config.js';
import { Mailer } from './mailer.js';

/**
 * Creates a mailer. Fails at once with `CONFIG_INVALID`, naming the key, when the
 * configuration is wrong.
 */
export function createMailer(config: MailerConfig): Mailer {
  return new Mailer(config);
}
