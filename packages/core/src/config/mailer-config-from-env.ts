import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAddress } from '../address/parse-address.js';
import type { EmailBackend } from '../backend/email-backend.js';
import { ConfigError } from '../errors.js';
import {
  checkQueueEnv,
  detectQueueFromEnv,
  loadBullmqQueue,
} from '../queue/detect-queue-from-env.js';
import type { QueueAdapter } from '../queue/queue-adapter.js';
import { loadOptionalModule } from './load-optional-module.js';
import type { MailerConfig } from './mailer-config.js';

type Env = Record<string, string | undefined>;

const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );

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

async function queueFromEnv(env: Env): Promise<'auto' | false | QueueAdapter> {
  const kind = env.MAIL_QUEUE?.trim() || 'auto';
  // The mailer's own auto-detection reads process.env; another env is read here. A
  // queue package that is missing then means synchronous delivery, without the
  // fallback event auto mode gives.
  if (kind === 'auto') {
    if (env === process.env) {
      await checkQueueEnv(env);
      return 'auto';
    }
    return (await detectQueueFromEnv(env)).adapter ?? false;
  }
  if (kind === 'none') return false;
  if (kind === 'memory') {
    const { memoryQueue } = await loadOptionalModule<{ memoryQueue: () => QueueAdapter }>(
      '@mailroom/queue-memory',
      'MAIL_QUEUE',
    );
    return memoryQueue();
  }
  if (kind === 'bullmq') {
    const adapter = await loadBullmqQueue(env, 'MAIL_QUEUE');
    if (adapter === undefined) {
      throw new ConfigError('MAIL_QUEUE', 'bullmq needs REDIS_URL or MAIL_QUEUE_POSTGRES_URL');
    }
    return adapter;
  }
  throw new ConfigError(
    'MAIL_QUEUE',
    `must be auto, none, memory or bullmq, got ${JSON.stringify(kind)}`,
  );
}

/**
 * Builds a mailer configuration from environment variables: `MAIL_FROM`,
 * `MAIL_BACKEND` (`console` by default, or `smtp` with `SMTP_URL`), `MAIL_QUEUE`
 * (`auto` by default, `none`, `memory`, or `bullmq` with `REDIS_URL` or
 * `MAIL_QUEUE_POSTGRES_URL`) and `MAIL_TEMPLATES_DIR` (the template directory). In
 * auto mode the queue comes from `REDIS_URL` or `MAIL_QUEUE_POSTGRES_URL` of `env`.
 */
export async function mailerConfigFromEnv(env: Env = process.env): Promise<MailerConfig> {
  const from = env.MAIL_FROM?.trim();
  if (from) {
    try {
      parseAddress(from, 'MAIL_FROM');
    } catch (error) {
      throw new ConfigError('MAIL_FROM', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }
  const templatesDir = env.MAIL_TEMPLATES_DIR?.trim();
  if (templatesDir && !(await isDirectory(templatesDir))) {
    throw new ConfigError('MAIL_TEMPLATES_DIR', `${resolve(templatesDir)} is not a directory`);
  }
  const backend = await backendFromEnv(env);
  // Last, as a queue opens connections that an earlier failure would leave behind.
  const queue = await queueFromEnv(env);
  return {
    backend,
    queue,
    ...(from ? { from } : {}),
    ...(templatesDir ? { templates: { dir: templatesDir } } : {}),
  };
}
