import { loadOptionalModule } from '../config/load-optional-module.js';
import { ConfigError } from '../errors.js';
import type { QueueAdapter } from './queue-adapter.js';

type Env = Record<string, string | undefined>;

/** The shape core expects of `@mailroom/queue-bullmq`, loaded by name. */
interface BullmqModule {
  bullmqQueueFromEnv(env: Env): QueueAdapter | undefined;
  /** Checks the environment's queue variables without connecting (later releases). */
  checkQueueEnv?(env: Env): void;
}

/** What auto-detection found: an adapter, or why there is none. */
export interface DetectedQueue {
  adapter?: QueueAdapter;
  /** Set when the environment asked for a queue that cannot be had. */
  reason?: string;
}

/**
 * Loads the adapter entry of `@mailroom/queue-bullmq` by name (not the worker and admin
 * tools, nor BullMQ itself until a job is stored: a send waits for this import) and
 * builds its adapter from the environment.
 */
export async function loadBullmqQueue(env: Env, key: string): Promise<QueueAdapter | undefined> {
  return (await loadBullmqModule(key)).bullmqQueueFromEnv(env);
}

function loadBullmqModule(key: string): Promise<BullmqModule> {
  return loadOptionalModule<BullmqModule>('@mailroom/queue-bullmq/queue', key).catch(
    (error: unknown) => {
      // A release from before the entry existed: its root entry has the same export.
      if ((error as { code?: unknown } | null)?.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
        throw error;
      }
      return loadOptionalModule<BullmqModule>('@mailroom/queue-bullmq', key);
    },
  );
}

// REDIS_URL is often set for an app's cache rather than for its mail queue, so
// PostgreSQL wins when both are set, as in bullmqQueueFromEnv.
function queueVariableOf(env: Env): string | undefined {
  if (env.MAIL_QUEUE_POSTGRES_URL) return 'MAIL_QUEUE_POSTGRES_URL';
  return env.REDIS_URL ? 'REDIS_URL' : undefined;
}

const isMissingPackage = (error: unknown): boolean =>
  error instanceof ConfigError && error.details.missingPackage === '@mailroom/queue-bullmq';

/**
 * Checks the queue variables auto mode will read, connecting to nothing, so that a
 * malformed `REDIS_URL` is reported at configuration (`CONFIG_INVALID`) rather than by
 * every send. Without `@mailroom/queue-bullmq` there is nothing to check: auto mode
 * then delivers synchronously.
 */
export async function checkQueueEnv(env: Env = process.env): Promise<void> {
  const key = queueVariableOf(env);
  if (key === undefined) return;
  try {
    (await loadBullmqModule(key)).checkQueueEnv?.(env);
  } catch (error) {
    if (!isMissingPackage(error)) throw error;
  }
}

/**
 * Auto mode without a configured adapter: when `REDIS_URL` or `MAIL_QUEUE_POSTGRES_URL`
 * is set, use an installed `@mailroom/queue-bullmq` (loaded dynamically: core keeps no
 * dependency on it). A missing package is not an error: sends go synchronously and the
 * reason is reported with the `fallback` event.
 */
export async function detectQueueFromEnv(env: Env = process.env): Promise<DetectedQueue> {
  const key = queueVariableOf(env);
  if (key === undefined) return {};
  try {
    const adapter = await loadBullmqQueue(env, key);
    return adapter === undefined ? {} : { adapter };
  } catch (error) {
    if (isMissingPackage(error)) {
      return { reason: `${key} is set but @mailroom/queue-bullmq is not installed` };
    }
    throw error;
  }
}
