import { ConfigError, type EmailBackend } from '@mailroom/core';
import type { EmailWorkerOptions } from './email-worker-options.js';
import { integerOption } from './integer-options.js';
import { isRecord } from './is-record.js';
import type { JobOutcome } from './job-outcome.js';
import { validateQueueName } from './validate-queue-options.js';

/** Options of `startEmailWorker` after validation, with defaults filled in. */
export interface WorkerSettings {
  backend: EmailBackend;
  name: string;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
  onJob: ((outcome: JobOutcome) => void) | undefined;
  onError: ((error: Error) => void) | undefined;
}

const KEYS = new Set([
  'connection',
  'url',
  'postgres',
  'backend',
  'name',
  'concurrency',
  'lockDuration',
  'stalledInterval',
  'maxStalledCount',
  'onJob',
  'onError',
]);

function callback<T>(value: unknown, key: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(key, 'must be a function');
  }
  return value as T | undefined;
}

/**
 * Validates {@link EmailWorkerOptions} (all but the datastore, which
 * `resolveQueueTarget` checks) and fills in defaults. Throws `CONFIG_INVALID` naming
 * the key at fault, unknown keys (usually typos such as `concurency`) included.
 */
export function validateWorkerOptions(options: unknown): WorkerSettings {
  if (!isRecord(options)) throw new ConfigError('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigError(key, 'unknown option');
  }
  const opts = options as Partial<EmailWorkerOptions>;
  const { backend } = opts;
  if (backend === null || typeof backend !== 'object' || typeof backend.send !== 'function') {
    throw new ConfigError('backend', 'must be an EmailBackend, such as smtpBackend(...)');
  }
  return {
    backend,
    name: validateQueueName(opts.name),
    concurrency: integerOption(opts.concurrency, 'concurrency', 1, 5),
    lockDuration: integerOption(opts.lockDuration, 'lockDuration', 1, 30_000),
    stalledInterval: integerOption(opts.stalledInterval, 'stalledInterval', 1, 30_000),
    maxStalledCount: integerOption(opts.maxStalledCount, 'maxStalledCount', 1, 1),
    onJob: callback(opts.onJob, 'onJob'),
    onError: callback(opts.onError, 'onError'),
  };
}
