import type { EmailJob, QueuedEmail } from '@mailroom/core';
import type { JobState, JobsOptions } from 'bullmq';
import type { AttachmentContentStore } from './attachment-content-store.js';

/** What {@link QueueProducer.add} stored. */
export interface AddedJob {
  /** The BullMQ job id (an existing job's id when `jobId` was taken). */
  id: string;
  /**
   * The state of the job under `jobId`, read alongside the add when asked for: a job
   * stored earlier, or `unknown` (or already ours, waiting) when there was none.
   * Undefined when not asked for or not readable.
   */
  earlierState?: JobState | 'unknown';
}

/** Reads which email a job delivers from its data, as BullMQ stores it. */
export function storedEmailOf(data: unknown): QueuedEmail | undefined {
  const { id, messageId } = (data ?? {}) as { id?: unknown; messageId?: unknown };
  return typeof id === 'string' && typeof messageId === 'string' ? { id, messageId } : undefined;
}

/** One datastore's side of {@link BullmqQueue}: Redis or PostgreSQL. */
export interface QueueProducer {
  /** Whether a job could be stored now; answers within `timeoutMs`. */
  isAvailable(timeoutMs: number): Promise<boolean>;
  /** True while the first connection (and, on PostgreSQL, migration) is under way. */
  isStarting(): boolean;
  /**
   * Stores a job, unless one is stored under `opts.jobId` already, and reads that
   * job's state alongside when `readEarlierState` is set. Throws a classified
   * `QueueError`.
   */
  add(job: EmailJob, opts: JobsOptions, readEarlierState: boolean): Promise<AddedJob>;
  /**
   * Stores several jobs in one transaction (all or none), reading each earlier job's
   * state alongside where `readEarlierState[i]` is set. Results are in order.
   */
  addMany(
    entries: ReadonlyArray<{ job: EmailJob; opts: JobsOptions }>,
    readEarlierState: readonly boolean[],
  ): Promise<AddedJob[]>;
  /**
   * The queue's store of attachment content, once the datastore is connected (waiting
   * as `add` does). Throws `QUEUE_UNAVAILABLE` when it is not.
   */
  contentStore(): Promise<AttachmentContentStore>;
  /** The email (`EmailJob.id` and `messageId`) of the job stored under `jobId`, if any. */
  storedEmail(jobId: string): Promise<QueuedEmail | undefined>;
  /** A stored job's state, `unknown` when there is none. */
  state(jobId: string): Promise<JobState | 'unknown'>;
  /** Why a stored job last failed, if it did. */
  failedReason(jobId: string): Promise<string | undefined>;
  /** Closes the connections this producer opened. */
  close(): Promise<void>;
}
