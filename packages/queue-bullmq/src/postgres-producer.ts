import { type EmailJob, type QueuedEmail, QueueError } from '@mailroom/core';
import type { DefaultJobOptions, JobState, JobsOptions, PostgresPoolConfig } from 'bullmq';
import type { AttachmentContentStore } from './attachment-content-store.js';
import { addAllJobs, addOneJob, type WriteJobs } from './job-writes.js';
import { loadBullmq } from './load-bullmq.js';
import { PostgresAttachmentContentStore } from './postgres-attachment-content-store.js';
import { postgresRoleConfig } from './postgres-connection.js';
import { type AddedJob, type QueueProducer, storedEmailOf } from './queue-producer.js';
import { type JobEntry, storeWithEarlierStates } from './store-with-earlier-states.js';
import { withTimeout } from './with-timeout.js';

// BullMQ is loaded on the first open, not with this module (see RedisProducer).
const bindPostgres = (bullmq: typeof import('bullmq')) =>
  bullmq.withBackend(bullmq.createPostgresBackend).Queue;
type PostgresQueueClass = ReturnType<typeof bindPostgres>;
const newEmailQueue = (
  PostgresQueue: PostgresQueueClass,
  name: string,
  opts: ConstructorParameters<PostgresQueueClass>[1],
) => new PostgresQueue<EmailJob>(name, opts);
type EmailPostgresQueue = ReturnType<typeof newEmailQueue>;

const loadPostgresQueue = (): Promise<PostgresQueueClass> => loadBullmq().then(bindPostgres);

// Failures to open a connection: no query was sent, so the job is certainly not stored.
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name
]);

function isConnectFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && CONNECT_CODES.has(code)) ||
    (typeof message === 'string' && /timeout exceeded when trying to connect/i.test(message))
  );
}

/**
 * Stores jobs in PostgreSQL through BullMQ's Postgres backend. The BullMQ queue is
 * opened lazily and replaced when its first connect fails: BullMQ remembers a failed
 * readiness check for the life of the connection, which would otherwise leave the
 * queue broken after the database comes back.
 */
export class PostgresProducer implements QueueProducer {
  readonly #name: string;
  readonly #config: PostgresPoolConfig;
  readonly #jobOptions: DefaultJobOptions;
  #opening: Promise<EmailPostgresQueue> | undefined;
  // Until the first open (load BullMQ, connect, migrate) ends, opened or not.
  #firstAttempt = true;
  // The queue #opening resolved to, once it has.
  #opened: EmailPostgresQueue | undefined;
  #closed = false;
  #content: { queue: EmailPostgresQueue; store: AttachmentContentStore } | undefined;

  constructor(
    name: string,
    config: PostgresPoolConfig,
    settings: { jobOptions: DefaultJobOptions; enqueueTimeoutMs: number },
  ) {
    this.#name = name;
    this.#config = postgresRoleConfig(config, {
      poolSize: 10,
      queryTimeoutMs: settings.enqueueTimeoutMs,
    });
    this.#jobOptions = settings.jobOptions;
  }

  isStarting(): boolean {
    return this.#firstAttempt;
  }

  #open(): Promise<EmailPostgresQueue> {
    if (this.#opening) return this.#opening;
    if (this.#closed) {
      return Promise.reject(new QueueError('QUEUE_UNAVAILABLE', 'the queue is closed'));
    }
    const opening: Promise<EmailPostgresQueue> = loadPostgresQueue()
      .then((PostgresQueue) => {
        const queue = newEmailQueue(PostgresQueue, this.#name, {
          connection: this.#config,
          defaultJobOptions: this.#jobOptions,
        });
        queue.on('error', () => undefined);
        return queue.waitUntilReady().then(
          () => {
            if (this.#opening === opening) this.#opened = queue;
            return queue;
          },
          async (error: unknown) => {
            await queue.close().catch(() => undefined);
            throw error;
          },
        );
      })
      .catch((error: unknown) => {
        // Loading or connecting failed: the next caller tries again.
        if (this.#opening === opening) this.#opening = undefined;
        throw error;
      })
      .finally(() => {
        this.#firstAttempt = false;
      });
    // A caller that gave up waiting (isAvailable's timeout) must not leave it unhandled.
    opening.catch(() => undefined);
    this.#opening = opening;
    return opening;
  }

  async isAvailable(timeoutMs: number): Promise<boolean> {
    const probe = (async () => {
      const queue = await this.#open();
      await queue.getBackend().connection.pool.query('SELECT 1');
      return true;
    })().catch(() => false);
    return withTimeout(probe, timeoutMs, false);
  }

  async add(job: EmailJob, opts: JobsOptions, readEarlierState: boolean): Promise<AddedJob> {
    const [added] = await this.#store([{ job, opts }], [readEarlierState], addOneJob);
    return added as AddedJob;
  }

  async addMany(
    entries: readonly JobEntry[],
    readEarlierState: readonly boolean[],
  ): Promise<AddedJob[]> {
    return this.#store(entries, readEarlierState, addAllJobs);
  }

  async #store(
    entries: readonly JobEntry[],
    readEarlierState: readonly boolean[],
    write: WriteJobs,
  ): Promise<AddedJob[]> {
    const queue = await this.#openOrUnavailable();
    try {
      return await storeWithEarlierStates(queue, entries, readEarlierState, () =>
        write(queue, entries),
      );
    } catch (error) {
      if (isConnectFailure(error)) {
        throw new QueueError('QUEUE_UNAVAILABLE', `PostgreSQL is not reachable: ${String(error)}`, {
          cause: error,
        });
      }
      // The statement may have been sent and committed before the failure.
      throw new QueueError('QUEUE_ENQUEUE_FAILED', `enqueue may have failed: ${String(error)}`, {
        cause: error,
      });
    }
  }

  async #openOrUnavailable(): Promise<EmailPostgresQueue> {
    try {
      return await this.#open();
    } catch (error) {
      if (error instanceof QueueError) throw error;
      throw new QueueError('QUEUE_UNAVAILABLE', `PostgreSQL is not reachable: ${String(error)}`, {
        cause: error,
      });
    }
  }

  async contentStore(): Promise<AttachmentContentStore> {
    const queue = await this.#openOrUnavailable();
    // A queue replaced after a failed connect brings a new pool.
    if (this.#content?.queue !== queue) {
      this.#content = { queue, store: new PostgresAttachmentContentStore(queue, this.#name) };
    }
    return this.#content.store;
  }

  async storedEmail(jobId: string): Promise<QueuedEmail | undefined> {
    const job = await (await this.#open()).getJob(jobId);
    return job === undefined ? undefined : storedEmailOf(job.data);
  }

  async state(jobId: string): Promise<JobState | 'unknown'> {
    return (await this.#open()).getJobState(jobId);
  }

  async failedReason(jobId: string): Promise<string | undefined> {
    // BullMQ's Postgres backend reads a job whole; this runs only for a job that failed.
    const job = await (await this.#open()).getJob(jobId);
    return job?.failedReason || undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    const opened = this.#opened;
    this.#opening = undefined;
    this.#opened = undefined;
    if (opened !== undefined) return opened.close();
    // An open still under way (a database that does not answer) must not hold close()
    // up to the connect timeout: its queue is closed once it settles.
    void opening?.then((queue) => queue.close()).catch(() => undefined);
  }
}
