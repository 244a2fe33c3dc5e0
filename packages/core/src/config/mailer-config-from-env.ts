import type { EmailBackend } from '../backend/email-backend.js';
import { ConfigError } from '../errors.js';
import { loadOptionalModule } from './load-optional-module.js';
import type { MailerConfig } from './mailer-config.js';

type Env = Record<string, string | undefined>;

async function backendFromEnv(env: Env): Promise<EmailBackend> {
  const kind = env.MAIL_BACKEND?.trim() || 'console';
  if (kind === 'console') {
    const { consoleBackend } = await loadOptionalModule<{ consoleBackend: () => EmailBackend }>(
      '@mailroom/backend-console',
      'MAIL_BACKEND',
    );
    return consoleBackend();
  }
  if (kind === 'smtp') {
    const url = env.SMTP_URL?.trim();
    if (!url) throw new ConfigError('SMTP_URL', 'is required when MAIL_BACKEND=smtp');
    const { smtpBackend } = await loadOptionalModule<{
      smtpBackend: (options: { url: string }) => EmailBackend;
    }>('@mailroom/backend-smtp', 'MAIL_BACKEND');
    return smtpBackend({ url });
  }
  throw new ConfigError('MAIL_BACKEND', `must be "smtp" or "console", got ${JSON.stringify(kind)}`);
}

/**
 * Builds a mailer configuration from environment variables: `MAIL_FROM`,
 * `MAIL_BACKEND` (`console` by default, or `smtp` with `SMTP_URL`) and `MAIL_QUEUE`.
 */
export async function mailerConfigFromEnv(env: Env = process.env): Promise<MailerConfig> {
  const queue = env.MAIL_QUEUE?.trim() || 'auto';
  if (queue !== 'auto' && queue !== 'none') {
    throw new ConfigError('MAIL_QUEUE', `must be "auto" or "none", got ${JSON.stringify(queue)}`);
  }
  const from = env.MAIL_FROM?.trim();
  return {
    backend: await backendFromEnv(env),
    queue: queue === 'none' ? false : 'auto',
    ...(from ? { from } : {}),
  };
}
