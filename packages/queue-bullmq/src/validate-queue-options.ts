import { ConfigError } from '@mailroom/core';
import type { DefaultJobOptions } from 'bullmq';
import type { BullmqQueueOptions, JobRetention } from './bullmq-queue-options.js';
import { integerOption } from './integer-options.js';
import { isRecord } from './is-record.js';

/** Options of {@link bullmqQueue} after validation, with defaults filled in. */
export interface QueueSettings {
  name: string;
  allowFallback: boolean;
  probeTimeoutMs: number;
  enqueueTimeoutMs: number;
  sizeLimit: number;
  /** Attempts, backoff and retention, applied to every job. */
  jobOptions: DefaultJobOptions;
}

const KEYS = new Set([
  'name',
  'connection',
  'url',
  'postgres',
  'attempts',
  'backoff',
  'removeOnComplete',
  'removeOnFail',
  'allowFallback',
  'probeTimeoutMs',
  'enqueueTimeoutMs',
  'sizeLimit',
]);

/** Default retention of completed jobs: a day, at most 1000. */
export const DEFAULT_REMOVE_ON_COMPLETE = { age: 86_400, count: 1000 };
/** Default retention of failed jobs: a week, at most 5000. */
export const DEFAULT_REMOVE_ON_FAIL = { age: 604_800, count: 5000 };

/** Checks a queue name as BullMQ will: present and without `:`. */
export function validateQueueName(value: unknown, key = 'name'): string {
  if (value === undefined) return 'emails';
  if (typeof value !== 'string' || value.trim() === '' || value.includes(':')) {
    throw new ConfigError(key, 'must be a non-empty string without ":"');
  }
  return value;
}

function retention(value: unknown, key: string, fallback: JobRetention): JobRetention {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return integerOption(value, key, 0, 0);
  if (!isRecord(value) || (value.age === undefined && value.count === undefined)) {
    throw new ConfigError(key, 'must be a boolean, a count, or { age?: seconds, count? }');
  }
  for (const field of Object.keys(value)) {
    if (field !== 'age' && field !== 'count') throw new ConfigError(`${key}.${field}`, 'unknown');
  }
  return {
    ...(value.age === undefined ? {} : { age: integerOption(value.age, `${key}.age`, 1, 1) }),
    ...(value.count === undefined
      ? {}
      : { count: integerOption(value.count, `${key}.count`, 0, 0) }),
  };
}

// BullMQ reads `true`/`false`/a count as is, and an object only with `count` or `age`.
function toKeepJobs(value: JobRetention): DefaultJobOptions['removeOnComplete'] {
  if (typeof value !== 'object') return value;
  return value.age === undefined
    ? { count: value.count ?? 0 }
    : { age: value.age, ...(value.count === undefined ? {} : { count: value.count }) };
}

function backoff(value: unknown): { delay: number; jitter: number } {
  if (value === undefined) return { delay: 30_000, jitter: 0.25 };
  if (!isRecord(value)) throw new ConfigError('backoff', 'must be { delayMs?, jitter? }');
  for (const field of Object.keys(value)) {
    if (field !== 'delayMs' && field !== 'jitter') {
      throw new ConfigError(`backoff.${field}`, 'unknown option');
    }
  }
  const jitter = value.jitter ?? 0.25;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new ConfigError('backoff.jitter', 'must be a number from 0 to 1');
  }
  return { delay: integerOption(value.delayMs, 'backoff.delayMs', 0, 30_000), jitter };
}

/**
 * Validates {@link BullmqQueueOptions} (all but the datastore, which
 * `resolveQueueTarget` checks) and fills in defaults. Throws `CONFIG_INVALID` naming
 * the key at fault, unknown keys (usually typos) included.
 */
export function validateQueueOptions(options: unknown): QueueSettings {
  if (!isRecord(options)) throw new ConfigError('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigError(key, 'unknown option');
  }
  const opts = options as BullmqQueueOptions;
  if (opts.allowFallback !== undefined && typeof opts.allowFallback !== 'boolean') {
    throw new ConfigError('allowFallback', 'must be a boolean');
  }
  return {
    name: validateQueueName(opts.name),
    allowFallback: opts.allowFallback ?? true,
    probeTimeoutMs: integerOption(opts.probeTimeoutMs, 'probeTimeoutMs', 1, 150),
    enqueueTimeoutMs: integerOption(opts.enqueueTimeoutMs, 'enqueueTimeoutMs', 1, 5_000),
    sizeLimit: integerOption(opts.sizeLimit, 'sizeLimit', 1, 40 * 1024 * 1024),
    jobOptions: {
      attempts: integerOption(opts.attempts, 'attempts', 1, 5),
      backoff: { type: 'exponential', ...backoff(opts.backoff) },
      removeOnComplete: toKeepJobs(
        retention(opts.removeOnComplete, 'removeOnComplete', DEFAULT_REMOVE_ON_COMPLETE),
      ),
      removeOnFail: toKeepJobs(
        retention(opts.removeOnFail, 'removeOnFail', DEFAULT_REMOVE_ON_FAIL),
      ),
    },
  };
}
