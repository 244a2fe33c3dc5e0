import type { EmailPriority, EnqueueOptions } from '@mailroom/core';
import type { JobsOptions } from 'bullmq';

// BullMQ runs jobs without a priority before all prioritized ones, so every email
// gets an explicit one (lower runs first) and `normal` cannot overtake `high`.
const PRIORITY: Record<EmailPriority, number> = { high: 1, normal: 5, low: 10 };

/**
 * Turns a Mailroom job id into one BullMQ accepts. BullMQ refuses ids that look like
 * integers or contain `:`; such ids (and any containing `%`) are written as `k%` plus
 * their URI encoding, which keeps the mapping one-to-one: the same key always gives
 * the same BullMQ id, and two keys never share one.
 */
export function toBullmqJobId(jobId: string): string {
  const safe = jobId !== '' && !/[:%]/.test(jobId) && `${Number.parseInt(jobId, 10)}` !== jobId;
  return safe ? jobId : `k%${encodeURIComponent(jobId)}`;
}

/** The per-job BullMQ options of one enqueue: id, priority and delay. */
export function toJobsOptions(opts: EnqueueOptions): JobsOptions {
  return {
    jobId: toBullmqJobId(opts.jobId),
    priority: PRIORITY[opts.priority] ?? PRIORITY.normal,
    ...(opts.delayMs > 0 ? { delay: Math.round(opts.delayMs) } : {}),
  };
}
