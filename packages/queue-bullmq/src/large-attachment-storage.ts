import { type EmailJob, QueueError } from '@mailroom/core';
import type { DefaultJobOptions } from 'bullmq';
import type { AttachmentContentStore, StoredContent } from './attachment-content-store.js';
import { contentLifetimeMs } from './content-lifetime.js';
import { isDatastoreRefusal } from './datastore-refusal.js';
import { moveLargeAttachments } from './large-attachments.js';
import type { AddedJob, QueueProducer } from './queue-producer.js';

/**
 * Stores jobs with their large attachments beside them: the content goes first to the
 * queue's content store, and the jobs carry refs to it, so that a worker streams it
 * instead of holding it in memory whole. Content no job will ever read (its add was
 * certainly refused, or an idempotency key named an earlier job) is deleted.
 */
export class LargeAttachmentStorage {
  readonly #queue: string;
  readonly #producer: QueueProducer;
  readonly #jobOptions: DefaultJobOptions;

  /** `jobOptions` (attempts, backoff, retention) decide how long content lives. */
  constructor(queue: string, producer: QueueProducer, jobOptions: DefaultJobOptions) {
    this.#queue = queue;
    this.#producer = producer;
    this.#jobOptions = jobOptions;
  }

  /**
   * Stores the large attachments of `jobs`, then calls `add` with the jobs as they
   * are to be stored (refs in place of the content), in the same order. The content
   * lives for the latest `delayMs` plus the lifetime the job options call for.
   *
   * Throws `QUEUE_UNAVAILABLE` when the content could not be stored, then no job was:
   * without `details.scope` when the datastore could not be reached, with
   * `details.scope: 'job'` when it refused the content (only these jobs are refused;
   * the queue serves others). Errors of `add` pass through.
   */
  async store(
    jobs: readonly EmailJob[],
    delayMs: number,
    add: (jobs: EmailJob[]) => Promise<AddedJob[]>,
  ): Promise<AddedJob[]> {
    const moved = jobs.map((job) => moveLargeAttachments(job));
    const stripped = moved.map(({ job }) => job);
    const contents = moved.flatMap((item) => item.contents);
    if (contents.length === 0) return add(stripped);

    const store = await this.#put(contents, delayMs);
    let added: AddedJob[];
    try {
      added = await add(stripped);
    } catch (error) {
      // Certainly not stored, so no job will ever read the content. Otherwise the job
      // may be there and needs it.
      if (error instanceof QueueError && error.code === 'QUEUE_UNAVAILABLE') {
        await store.delete(contents.map(({ ref }) => ref)).catch(() => undefined);
      }
      throw error;
    }
    await Promise.all(
      added.map((job, index) =>
        this.#releaseIfDuplicate(store, jobs[index] as EmailJob, moved[index]?.contents, job),
      ),
    );
    return added;
  }

  /** Stores content before its jobs; any failure means no job was stored. */
  async #put(contents: StoredContent[], delayMs: number): Promise<AttachmentContentStore> {
    // Throws the queue-wide QUEUE_UNAVAILABLE while the datastore is not connected.
    const store = await this.#producer.contentStore();
    try {
      await store.put(contents, contentLifetimeMs(this.#jobOptions, delayMs));
      return store;
    } catch (error) {
      await store.delete(contents.map(({ ref }) => ref)).catch(() => undefined);
      // A refusal (no privilege, out of memory, a full disk) is about this content: the
      // queue stays up for jobs without it, and the mailer may send these directly.
      // Marking the queue down would have it flap, as its probe keeps answering.
      const scope = isDatastoreRefusal(error)
        ? { scope: 'job', reason: 'content-refused' }
        : undefined;
      throw new QueueError(
        'QUEUE_UNAVAILABLE',
        `attachment content could not be stored: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { queue: this.#queue, ...scope } },
      );
    }
  }

  /**
   * Deletes the content stored for `job` when the add found another job under its id
   * (an idempotency key seen before): that job keeps its own content, and nothing
   * would ever read or delete ours. When in doubt the content is left to expire.
   */
  async #releaseIfDuplicate(
    store: AttachmentContentStore,
    job: EmailJob,
    contents: StoredContent[] | undefined,
    added: AddedJob,
  ): Promise<void> {
    const refs = contents?.map(({ ref }) => ref) ?? [];
    // Unkeyed (no earlier state was asked for): the stored job is ours. A keyed one is
    // read back even when no earlier job was seen before the add: a concurrent send of
    // the key, or the same key earlier in the batch, may have stored one in between.
    if (refs.length === 0 || added.earlierState === undefined) return;
    const owner = await this.#producer.storedEmail(added.id).then(
      (stored) => stored?.id,
      () => job.id,
    );
    if (owner !== job.id) await store.delete(refs).catch(() => undefined);
  }
}
