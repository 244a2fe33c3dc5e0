import {
  type EmailJob,
  type EnqueuedJob,
  type EnqueueOptions,
  type QueueAdapter,
  QueueError,
} from '@mailroom/core';
import type { BullmqQueueOptions } from './bullmq-queue-options.js';
import { toJobsOptions } from './job-options.js';
import { jsonSizeUpperBound } from './json-size-bound.js';
import { LargeAttachmentStorage } from './large-attachment-storage.js';
import { PostgresProducer } from './postgres-producer.js';
import type { AddedJob, QueueProducer } from './queue-producer.js';
import { envHasQueue, type QueueEnv, resolveQueueTarget } from './queue-target.js';
import { RedisProducer } from './redis-producer.js';
import type { JobEntry } from './store-with-earlier-states.js';
import { type QueueSettings, validateQueueOptions } from './validate-queue-options.js';

/**
 * A {@link QueueAdapter} on BullMQ, in Redis or PostgreSQL. It only stores jobs; run
 * `startEmailWorker` (or the `mailroom-worker` CLI) to deliver them.
 */
export class BullmqQueue implements QueueAdapter {
  /** The BullMQ queue name. */
  readonly name: string;
  /** Whether the mailer may deliver synchronously while the queue is down. */
  readonly allowFallback: boolean;
  /** `redis` or `postgres`. */
  readonly datastore: 'redis' | 'postgres';
  /** The longest `isAvailable()` answer, in ms; the mailer waits as long. */
  readonly probeTimeoutMs: number;
  readonly #settings: QueueSettings;
  readonly #producer: QueueProducer;
  readonly #attachments: LargeAttachmentStorage;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Use {@link bullmqQueue}, which validates the options. */
  constructor(options: BullmqQueueOptions, env: QueueEnv = process.env) {
    const settings = validateQueueOptions(options);
    const target = resolveQueueTarget(options, env);
    this.#settings = settings;
    this.name = settings.name;
    this.allowFallback = settings.allowFallback;
    this.probeTimeoutMs = settings.probeTimeoutMs;
    this.datastore = target.kind;
    this.#producer =
      target.kind === 'postgres'
        ? new PostgresProducer(settings.name, target.config, settings)
        : new RedisProducer(settings.name, target, settings);
    this.#attachments = new LargeAttachmentStorage(
      settings.name,
      this.#producer,
      settings.jobOptions,
    );
  }

  /** Answers within `probeTimeoutMs` (default 150 ms); false while the datastore is down. */
  async isAvailable(): Promise<boolean> {
    if (this.#closed) return false;
    return this.#producer.isAvailable(this.#settings.probeTimeoutMs);
  }

  /** True while the first connection to the datastore (and a first migration) is under way. */
  isStarting(): boolean {
    return !this.#closed && this.#producer.isStarting();
  }

  /**
   * Stores the job under `opts.jobId`: a second enqueue with the same id stores nothing
   * and returns the same id, as long as the first job is still kept (see retention),
   * unless that job failed: then it throws `QUEUE_ENQUEUE_FAILED` with
   * `details.state: 'failed'`, since nothing would be sent (`mailroom-worker
   * retry-failed` sends it again). Throws `QUEUE_UNAVAILABLE` when the job certainly
   * was not stored: not connected, over `sizeLimit`, or its attachment content refused
   * by the datastore (these two with `details.scope: 'job'`, as only this job is
   * refused), and `QUEUE_ENQUEUE_FAILED` when it may have been.
   *
   * Attachments over 64 KiB of base64 are stored first, beside the queue, and the job
   * carries a reference to each (see the README for their lifetime); `sizeLimit` still
   * counts them.
   */
  async enqueue(job: EmailJob, opts: EnqueueOptions): Promise<EnqueuedJob> {
    this.#assertOpen();
    this.#assertSize(job);
    const [stored] = await this.#store([{ job, opts }], ([entry], [readEarlierState]) =>
      this.#producer
        .add((entry as JobEntry).job, (entry as JobEntry).opts, readEarlierState === true)
        .then((added) => [added]),
    );
    const added = stored as AddedJob;
    if (added.earlierState === 'failed') await this.#refuseFailed(added.id);
    return this.#enqueued(job, opts, added);
  }

  /**
   * Stores a batch in one transaction (BullMQ `addBulk`): each item gets its id, or the
   * `QueueError` that refused it alone (over `sizeLimit`, or an idempotency key whose
   * job failed, as in {@link enqueue}). Throws like `enqueue` when the batch as a whole
   * was not, or may have been, stored.
   */
  async enqueueMany(
    items: ReadonlyArray<{ job: EmailJob; opts: EnqueueOptions }>,
  ): Promise<Array<EnqueuedJob | { error: QueueError }>> {
    this.#assertOpen();
    const results: Array<EnqueuedJob | { error: QueueError }> = new Array(items.length);
    const accepted: number[] = [];
    items.forEach(({ job }, index) => {
      try {
        this.#assertSize(job);
        accepted.push(index);
      } catch (error) {
        results[index] = { error: error as QueueError };
      }
    });
    const stored = await this.#store(
      accepted.map((index) => items[index] as { job: EmailJob; opts: EnqueueOptions }),
      (entries, readEarlierState) => this.#producer.addMany(entries, readEarlierState),
    );
    await Promise.all(
      stored.map(async (added, position) => {
        const index = accepted[position] as number;
        try {
          if (added.earlierState === 'failed') await this.#refuseFailed(added.id);
          const { job, opts } = items[index] as { job: EmailJob; opts: EnqueueOptions };
          results[index] = await this.#enqueued(job, opts, added);
        } catch (error) {
          results[index] = { error: error as QueueError };
        }
      }),
    );
    return results;
  }

  /**
   * Stores jobs through `add` (one add, or one addBulk), their large attachments first
   * (see {@link LargeAttachmentStorage}).
   */
  #store(
    items: ReadonlyArray<{ job: EmailJob; opts: EnqueueOptions }>,
    add: (entries: JobEntry[], readEarlierState: boolean[]) => Promise<AddedJob[]>,
  ): Promise<AddedJob[]> {
    // A job id other than the email's own (fresh) id is an idempotency key, which may
    // name a job stored earlier. Its state is read alongside the add, so a new job
    // waits no longer; only a failed one costs another round trip.
    const keyed = items.map(({ job, opts }) => opts.jobId !== job.id);
    const delayMs = Math.max(0, ...items.map(({ opts }) => opts.delayMs));
    return this.#attachments.store(
      items.map(({ job }) => job),
      delayMs,
      (jobs) =>
        add(
          jobs.map((job, index) => ({
            job,
            opts: toJobsOptions((items[index] as { opts: EnqueueOptions }).opts),
          })),
          keyed,
        ),
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new QueueError('QUEUE_UNAVAILABLE', `queue ${this.name} is closed`);
  }

  #assertSize(job: EmailJob): void {
    const limit = this.#settings.sizeLimit;
    // Serialising every job twice (here and in BullMQ) would be most of the enqueue's
    // own cost; a cheap bound settles all but the jobs near the limit.
    if (jsonSizeUpperBound(job) <= limit) return;
    const size = Buffer.byteLength(JSON.stringify(job));
    if (size > limit) {
      throw new QueueError(
        'QUEUE_UNAVAILABLE',
        `job of ${size} bytes exceeds the queue's sizeLimit of ${limit} bytes`,
        { details: { queue: this.name, scope: 'job', reason: 'too-large', size, limit } },
      );
    }
  }

  // Another email found under an idempotency key is the one that goes out: the result
  // names it. Read after the add, for the state read before it misses a job stored in
  // between (a concurrent first send of the key, the same key twice in one batch).
  async #enqueued(job: EmailJob, opts: EnqueueOptions, { id }: AddedJob): Promise<EnqueuedJob> {
    if (opts.jobId === job.id) return { id };
    const stored = await this.#producer.storedEmail(id).catch(() => undefined);
    return stored === undefined || stored.id === job.id ? { id } : { id, existing: stored };
  }

  /** Throws unless the failed job under `id` has gone meanwhile (the add then stored ours). */
  async #refuseFailed(id: string): Promise<void> {
    const [state, reason] = await Promise.all([
      this.#producer.state(id),
      this.#producer.failedReason(id),
    ]).catch(() => ['failed', undefined] as const);
    if (state !== 'failed') return;
    throw new QueueError(
      'QUEUE_ENQUEUE_FAILED',
      `a job with this idempotency key already failed: ${reason ?? 'reason unknown'}`,
      { details: { queue: this.name, jobId: id, state: 'failed' } },
    );
  }

  /** Closes the connections the queue opened (never a client you passed in). */
  close(): Promise<void> {
    this.#closed = true;
    // Every caller waits for the connections to be closed.
    this.#closing ??= this.#producer.close();
    return this.#closing;
  }
}

/**
 * Creates the BullMQ queue adapter for `createMailer({ queue })`. The datastore comes
 * from `connection`, `url` or `postgres`, else from `MAIL_QUEUE_POSTGRES_URL` or
 * `REDIS_URL`. Options are checked at once: `CONFIG_INVALID` names the key at fault.
 */
export function bullmqQueue(options: BullmqQueueOptions = {}): BullmqQueue {
  return new BullmqQueue(options);
}

/**
 * The adapter the environment asks for, or `undefined` when neither `REDIS_URL` nor
 * `MAIL_QUEUE_POSTGRES_URL` is set. Core's auto-detection calls this.
 */
export function bullmqQueueFromEnv(env: QueueEnv = process.env): BullmqQueue | undefined {
  return envHasQueue(env) ? new BullmqQueue({}, env) : undefined;
}

/**
 * Checks `REDIS_URL` and `MAIL_QUEUE_POSTGRES_URL` as {@link bullmqQueueFromEnv} reads
 * them, connecting to nothing: `CONFIG_INVALID` names the variable at fault. Core calls
 * this when the mailer will detect its queue later.
 */
export function checkQueueEnv(env: QueueEnv = process.env): void {
  if (envHasQueue(env)) resolveQueueTarget({}, env);
}
