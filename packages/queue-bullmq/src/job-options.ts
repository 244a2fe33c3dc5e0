import type { EmailPriority, EnqueueOptions } from '@mailroom/core';
import type { JobsOptions } from 'bullmq';

// BullMQ runs jobs without a priority before all prioritized ones, so every email
// gets an explicit one (lower runs first) and `normal` cannot overtake `high`.
const PRIORITY: Record<EmailPriority, number> = { high: 1, normal: 5, low: 10 };

/**
 * Turns a Mailroom job id into one BullMQ accepts, changing as little as possible.
 * BullMQ refuses ids that contain `:` or look like integers: `%` and `:` are
 * percent-escaped (`signup:42` becomes `signup%3A42`), and an integer-like or empty id
 * gets a `%N` prefix that no escaped id can start with. The mapping is one-to-one: the
 * same key always gives the same BullMQ id, and two keys never share one.
 */
export function toBullmqJobId(jobId: string): string {
  const escaped = jobId.replace(/%/g, '%25').replace(/:/g, '%3A');
  const integerLike = escaped === '' || `${Number.parseInt(escaped, 10)}` === escaped;
  return integerLike ? `%N${escaped}` : escaped;
}

/** The per-job BullMQ options of one enqueue: id, priority and delay. */
export function toJobsOptions(opts: EnqueueOptions): JobsOptions {
  return {
    jobId: toBullmqJobId(opts.jobId),
    priority: PRIORITY[opts.priority] ?? PRIORITY.normal,
    ...(opts.delayMs > 0 ? { delay: Math.round(opts.delayMs) } : {}),
  };
}
