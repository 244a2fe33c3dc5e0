import type { DefaultJobOptions } from 'bullmq';
import { DEFAULT_REMOVE_ON_FAIL } from './validate-queue-options.js';

const DAY_MS = 24 * 3_600_000;

/**
 * How long a due job may wait for a worker, whatever the retention: workers down over
 * a long weekend, a backlog, stalled jobs run again after their lock expired. The job
 * options tell nothing about it, so it must not shrink with `removeOnFail`.
 */
export const WAITING_ALLOWANCE_MS = 7 * DAY_MS;

/**
 * The longest life of content once its job is due. Attempts are not bounded, and their
 * exponential backoff soon exceeds what Redis (`PX`) and PostgreSQL (`bigint`) accept;
 * no email waits usefully for a year.
 */
export const MAX_LIFETIME_AFTER_DELAY_MS = 365 * DAY_MS;

/**
 * How long a job's attachment content must live: the job's delay, then the waiting
 * allowance (a week), every retry with the longest backoff, and as long as the failed
 * job is kept (`mailroom-worker retry-failed` may send it again), these three together
 * at most a year. A failed job kept by count alone, or forever, counts the default
 * retention of a week; one removed at once (`removeOnFail: true`) counts nothing.
 */
export function contentLifetimeMs(options: DefaultJobOptions, delayMs = 0): number {
  const attempts = options.attempts ?? 1;
  const backoff = typeof options.backoff === 'object' ? (options.backoff.delay ?? 0) : 0;
  // Exponential backoff, BullMQ's way: delay, 2 x delay, ...; jitter only shortens them.
  // Past about 1000 attempts the sum is Infinity, which the cap below takes care of
  // (and 0 x Infinity would be NaN).
  const retriesMs = backoff === 0 ? 0 : backoff * (2 ** Math.max(attempts - 1, 0) - 1);
  const removeOnFail = options.removeOnFail;
  const age =
    typeof removeOnFail === 'object' && 'age' in removeOnFail ? removeOnFail.age : undefined;
  const keptFailedMs = removeOnFail === true ? 0 : (age ?? DEFAULT_REMOVE_ON_FAIL.age) * 1000;
  const afterDelayMs = Math.min(
    WAITING_ALLOWANCE_MS + retriesMs + keptFailedMs,
    MAX_LIFETIME_AFTER_DELAY_MS,
  );
  return Math.ceil(delayMs + afterDelayMs);
}
