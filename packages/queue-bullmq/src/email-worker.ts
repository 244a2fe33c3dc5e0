import { createPostgresBackend, type Job, Worker, type WorkerOptions, withBackend } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AttachmentContentStore } from './attachment-content-store.js';
import { deliverJob, type EmailJobResult } from './deliver-job.js';
import type { EmailWorkerOptions } from './email-worker-options.js';
import { describeFailure } from './job-outcome.js';
import { contentRefsOf } from './large-attachments.js';
import { PostgresAttachmentContentStore } from './postgres-attachment-content-store.js';
import { postgresRoleConfig } from './postgres-connection.js';
import { type QueueEnv, resolveQueueTarget } from './queue-target.js';
import { RedisAttachmentContentStore } from './redis-attachment-content-store.js';
import { openRedis } from './redis-connection.js';
import { validateWorkerOptions } from './validate-worker-options.js';
import { withTimeout } from './with-timeout.js';

const { Worker: PostgresWorker } = withBackend(createPostgresBackend);

type EmailJobRecord = Job<unknown, EmailJobResult>;

/** The BullMQ worker operations used here, alike on Redis and PostgreSQL. */
interface EmailBullWorker {
  on(event: 'completed', listener: (job: EmailJobRecord, result: EmailJobResult) => void): unknown;
  on(event: 'failed', listener: (job: EmailJobRecord | undefined, error: Error) => void): unknown;
  on(event: 'stalled', listener: (jobId: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  run(): Promise<unknown>;
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

// After the last delivery in flight has finished, how long BullMQ may take to record
// results and close its connections. It needs the datastore for that and, while the
// datastore is away, waits for it forever.
const CLOSE_GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A running email worker. Delivery is at least once: a worker that dies after the
 * server accepted a message but before the job was marked done leaves the job to run
 * again, and the repeat carries the same Message-ID, so receivers can tell.
 */
export class EmailWorker {
  readonly #worker: EmailBullWorker;
  readonly #connection: Redis | undefined;
  readonly #inFlight: { count: number };
  #closing: Promise<void> | undefined;

  /** Use {@link startEmailWorker}. */
  constructor(worker: EmailBullWorker, connection: Redis | undefined, inFlight: { count: number }) {
    this.#worker = worker;
    this.#connection = connection;
    this.#inFlight = inFlight;
  }

  /** Jobs being delivered right now. */
  get inFlight(): number {
    return this.#inFlight.count;
  }

  /**
   * Stops taking jobs and waits for the ones in flight to finish. Safe to call twice.
   * The backend is left open for its owner to close. With the datastore away, the
   * connections are dropped a few seconds after the last delivery ends; a job whose
   * result could not be recorded then runs again later (delivery is at least once).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let closed = false;
      const graceful = this.#worker.close().then(
        () => (closed = true),
        () => (closed = true),
      );
      const settled = this.#settled(() => closed).then(() => false);
      if (!(await Promise.race([graceful, settled]))) {
        // Dropping our connection fails the commands BullMQ queued for the absent
        // datastore, which lets its close go on; its own connections end with it.
        this.#connection?.disconnect();
        const dropped = this.#worker.disconnect().then(
          () => true,
          () => true,
        );
        await withTimeout(Promise.race([graceful, dropped]), 1_000, false);
      }
      this.#connection?.disconnect();
    })();
    return this.#closing;
  }

  /**
   * Resolves a grace period after the last delivery in flight has ended, or as soon
   * as no delivery is in flight and Redis is known to be down, or once `closed()`.
   */
  async #settled(closed: () => boolean): Promise<void> {
    while (this.#inFlight.count > 0 && !closed()) await sleep(50);
    for (let waited = 0; waited < CLOSE_GRACE_MS && !closed(); waited += 50) {
      if (this.#connection && this.#connection.status !== 'ready') return;
      await sleep(50);
    }
  }
}

/**
 * Starts a worker that delivers queued emails through `backend`. Resolves once the
 * worker is connected (on PostgreSQL, the schema is migrated first unless told not
 * to); rejects when PostgreSQL cannot be reached. On Redis it waits for Redis.
 *
 * Temporary failures (4xx, network) are retried with the job's backoff; permanent
 * ones (5xx, an unreadable job) fail at once with the reason kept in the job.
 */
export async function startEmailWorker(
  options: EmailWorkerOptions,
  env: QueueEnv = process.env,
): Promise<EmailWorker> {
  const { backend, name, concurrency, lockDuration, stalledInterval, maxStalledCount, onJob } =
    validateWorkerOptions(options);
  const target = resolveQueueTarget(options, env);
  const settings = {
    autorun: false,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
  } satisfies Omit<WorkerOptions, 'connection'>;
  const inFlight = { count: 0 };
  // Set below, before the worker runs: the store needs the worker's connection.
  let content: AttachmentContentStore | undefined;
  const processor = async (job: Job<unknown>): Promise<EmailJobResult> => {
    inFlight.count += 1;
    try {
      return await deliverJob(backend, job, content as AttachmentContentStore);
    } finally {
      inFlight.count -= 1;
    }
  };

  let connection: Redis | undefined;
  let worker: EmailBullWorker;
  if (target.kind === 'postgres') {
    const config = postgresRoleConfig(target.config, { poolSize: concurrency + 4 });
    const postgresWorker = new PostgresWorker<unknown, EmailJobResult>(name, processor, {
      ...settings,
      connection: config,
    });
    content = new PostgresAttachmentContentStore(postgresWorker, name);
    worker = postgresWorker;
  } else {
    connection = openRedis(target, 'worker');
    const redisWorker = new Worker<unknown, EmailJobResult>(name, processor, {
      ...settings,
      connection,
    });
    content = new RedisAttachmentContentStore(connection, redisWorker);
    worker = redisWorker;
  }

  const onError =
    options.onError ??
    ((error: Error) => console.error(`[mailroom-worker] ${name}: ${error.message}`));
  worker.on('error', onError);
  const store = content;
  // Only once the job is recorded as completed: a job that runs again (its result could
  // not be recorded) still finds its content. A failed job keeps it for retry-failed,
  // until it expires.
  worker.on('completed', (job) => {
    store.delete(contentRefsOf(job.data)).catch(onError);
  });
  if (onJob) {
    worker.on('completed', (job, result) => {
      onJob({
        status: 'sent',
        jobId: String(job.id),
        attempt: job.attemptsMade,
        messageId: result.messageId,
        accepted: result.accepted,
        rejected: result.rejected,
      });
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const failure = describeFailure(error.cause ?? error);
      const common = {
        jobId: String(job.id),
        attempt: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        failure,
      };
      // BullMQ sets finishedOn only when the job will not be tried again.
      if (job.finishedOn === undefined) onJob({ status: 'retry', delayMs: job.delay, ...common });
      else onJob({ status: 'failed', ...common });
    });
    worker.on('stalled', (jobId) => onJob({ status: 'stalled', jobId }));
  }

  const handle = new EmailWorker(worker, connection, inFlight);
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  worker.run().catch(onError);
  return handle;
}
