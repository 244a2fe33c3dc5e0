import type { DefaultJobOptions } from 'bullmq';
import { DEFAULT_REMOVE_ON_FAIL } from './validate-queue-options.js';

// Slack for what the job options do not tell: time spent waiting for a free worker,
// stalled jobs run again after their lock expired, workers down for a while.
const MARGIN_MS = 24 * 3_600_000;

/**
 * How long a job's attachment content must live: its delay, every retry with the
 * longest backoff, then as long as the failed job is kept (`mailroom-worker
 * retry-failed` may send it again), plus a day of slack. A failed job kept by count
 * alone, or forever, keeps its content for the default retention of a week.
 */
export function contentLifetimeMs(options: DefaultJobOptions, delayMs = 0): number {
  const attempts = options.attempts ?? 1;
  const backoff = typeof options.backoff === 'object' ? (options.backoff.delay ?? 0) : 0;
  let retries = 0;
  // Exponential backoff, BullMQ's way: delay, 2 x delay, ...; jitter only shortens them.
  for (let attempt = 1; attempt < attempts; attempt++) retries += backoff * 2 ** (attempt - 1);
  const removeOnFail = options.removeOnFail;
  const age =
    typeof removeOnFail === 'object' && 'age' in removeOnFail ? removeOnFail.age : undefined;
  const keptFailedMs = removeOnFail === true ? 0 : (age ?? DEFAULT_REMOVE_ON_FAIL.age) * 1000;
  return Math.ceil(delayMs + retries + keptFailedMs + MARGIN_MS);
}
