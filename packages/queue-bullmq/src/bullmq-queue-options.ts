import type { QueueConnectionOptions } from './queue-target.js';

/**
 * How many finished jobs to keep: `true` removes at once, `false` keeps forever, a
 * number keeps that many, `{ age, count }` keeps jobs younger than `age` seconds and at
 * most `count` of them.
 */
export type JobRetention = boolean | number | { age?: number; count?: number };

/** Exponential backoff between attempts: `delayMs`, then twice that, and so on. */
export interface BackoffOptions {
  /** Delay before the second attempt, in ms. Default 30 000 (then 60 s, 120 s, 240 s). */
  delayMs?: number;
  /**
   * Share of each delay that is randomised, from 0 to 1, so that many jobs failing
   * together do not retry together. Default 0.25.
   */
  jitter?: number;
}

/** Options of {@link bullmqQueue}. */
export interface BullmqQueueOptions extends QueueConnectionOptions {
  /** Queue name; workers must use the same. Default `emails`. */
  name?: string;
  /** Delivery attempts per email, the first included. Default 5. */
  attempts?: number;
  /** Backoff between attempts. */
  backoff?: BackoffOptions;
  /**
   * Completed jobs to keep. Default `{ age: 86_400, count: 1000 }` (a day, at most
   * 1000). An `idempotencyKey` only protects against a second send while its
   * completed job is kept.
   */
  removeOnComplete?: JobRetention;
  /** Failed jobs to keep. Default `{ age: 604_800, count: 5000 }` (a week, at most 5000). */
  removeOnFail?: JobRetention;
  /**
   * When the queue is down, deliver synchronously instead (true, the default) or fail
   * the send with `QUEUE_UNAVAILABLE` (false).
   */
  allowFallback?: boolean;
  /** Time `isAvailable()` may take before it answers false, in ms. Default 150. */
  probeTimeoutMs?: number;
  /**
   * Time an enqueue may wait for the datastore's reply, in ms. Default 5000. After it,
   * the job may or may not be stored, so the error is `QUEUE_ENQUEUE_FAILED`.
   */
  enqueueTimeoutMs?: number;
  /**
   * Largest job payload (JSON) in bytes. Default 40 MiB: one attachment at the 25 MiB
   * default limit, base64-encoded, plus bodies. A larger job is refused with
   * `QUEUE_UNAVAILABLE`, so the mailer delivers it synchronously when fallback is on.
   */
  sizeLimit?: number;
}
