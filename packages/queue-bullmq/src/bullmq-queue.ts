import { type EmailJob, type EnqueueOptions, type QueueAdapter, QueueError } from '@mailroom/core';
import type { BullmqQueueOptions } from './bullmq-queue-options.js';
import { envHasQueue, type QueueEnv, resolveQueueTarget } from './connection-options.js';
import { toJobsOptions } from './job-options.js';
import { PostgresProducer } from './postgres-producer.js';
import type { QueueProducer } from './queue-producer.js';
import { RedisProducer } from './redis-producer.js';
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
  readonly #settings: QueueSettings;
  readonly #producer: QueueProducer;
  #closed = false;

  /** Use {@link bullmqQueue}, which validates the options. */
  constructor(options: BullmqQueueOptions, env: QueueEnv = process.env) {
    const settings = validateQueueOptions(options);
    const target = resolveQueueTarget(options, env);
    this.#settings = settings;
    this.name = settings.name;
    this.allowFallback = settings.allowFallback;
    this.datastore = target.kind;
    this.#producer =
      target.kind === 'postgres'
        ? new PostgresProducer(settings.name, target.config, settings)
        : new RedisProducer(settings.name, target, settings);
  }

  /** Answers within `probeTimeoutMs` (default 150 ms); false while the datastore is down. */
  async isAvailable(): Promise<boolean> {
    if (this.#closed) return false;
    return this.#producer.isAvailable(this.#settings.probeTimeoutMs);
  }

  /**
   * Stores the job under `opts.jobId`: a second enqueue with the same id stores nothing
   * and returns the same id, as long as the first job is still kept (see retention).
   * Throws `QUEUE_UNAVAILABLE` when the job certainly was not stored (not connected,
   * over `sizeLimit`) and `QUEUE_ENQUEUE_FAILED` when it may have been.
   */
  async enqueue(job: EmailJob, opts: EnqueueOptions): Promise<{ id: string }> {
    if (this.#closed) throw new QueueError('QUEUE_UNAVAILABLE', `queue ${this.name} is closed`);
    const size = Buffer.byteLength(JSON.stringify(job));
    if (size > this.#settings.sizeLimit) {
      throw new QueueError(
        'QUEUE_UNAVAILABLE',
        `job of ${size} bytes exceeds the queue's sizeLimit of ${this.#settings.sizeLimit} bytes`,
        { details: { size, sizeLimit: this.#settings.sizeLimit } },
      );
    }
    return { id: await this.#producer.add(job, toJobsOptions(opts)) };
  }

  /** Closes the connections the queue opened (never a client you passed in). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#producer.close();
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
