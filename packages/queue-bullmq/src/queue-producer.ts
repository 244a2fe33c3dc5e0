import type { EmailJob } from '@mailroom/core';
import type { JobsOptions } from 'bullmq';

/** One datastore's side of {@link BullmqQueue}: Redis or PostgreSQL. */
export interface QueueProducer {
  /** Whether a job could be stored now; answers within `timeoutMs`. */
  isAvailable(timeoutMs: number): Promise<boolean>;
  /**
   * Stores a job and returns its BullMQ id (an existing job's id when `jobId` is taken).
   * Throws a classified `QueueError`.
   */
  add(job: EmailJob, opts: JobsOptions): Promise<string>;
  /** Closes the connections this producer opened. */
  close(): Promise<void>;
}
