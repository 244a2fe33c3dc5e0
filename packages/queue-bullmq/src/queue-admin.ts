import { createPostgresBackend, type Job, type JobType, Queue, withBackend } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AttachmentContentStore } from './attachment-content-store.js';
import { contentLifetimeMs } from './content-lifetime.js';
import { contentRefsOf } from './large-attachments.js';
import { PostgresAttachmentContentStore } from './postgres-attachment-content-store.js';
import { postgresRoleConfig } from './postgres-connection.js';
import { type QueueConnectionOptions, type QueueEnv, resolveQueueTarget } from './queue-target.js';
import { RedisAttachmentContentStore } from './redis-attachment-content-store.js';
import { openRedis } from './redis-connection.js';
import { validateQueueName } from './validate-queue-options.js';

const { Queue: PostgresQueue } = withBackend(createPostgresBackend);

/** The BullMQ queue operations the admin uses, alike on Redis and PostgreSQL. */
interface AdminQueue {
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
  getRanges(types: JobType[], start: number, end: number, asc: boolean): Promise<string[]>;
  getJob(jobId: string): Promise<Job | undefined>;
  clean(grace: number, limit: number, type: FinishedState): Promise<string[]>;
  obliterate(opts: { force: boolean }): Promise<void>;
  close(): Promise<void>;
  waitUntilReady(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Jobs of a queue by state. */
export interface QueueCounts {
  /** Ready to run now (BullMQ's `wait` and `prioritized`: every email has a priority). */
  waiting: number;
  /** Waiting for their delay or their next retry. */
  delayed: number;
  /** Being delivered. */
  active: number;
  /** Delivered and still kept. */
  completed: number;
  /** Failed for good and still kept. */
  failed: number;
}

/** Finished jobs whose state {@link QueueAdmin.clean} may remove. */
export type FinishedState = 'completed' | 'failed';

const PAGE = 1000;
// Failed job ids read at a time by retryFailed; their jobs are then loaded one by one.
const RETRY_PAGE = 100;

/** Operator tasks on a queue: counts, retrying failed jobs, removing old ones. */
export class QueueAdmin {
  readonly #queue: AdminQueue;
  readonly #connection: Redis | undefined;
  readonly #content: AttachmentContentStore | undefined;

  /**
   * Use {@link openQueueAdmin}. `connection` is closed with the admin. `content` is
   * internal: where the queue keeps large attachment content, which `openQueueAdmin`
   * passes; without it {@link retryFailed} and {@link obliterate} leave that content
   * as it is, to expire on its own.
   */
  constructor(queue: AdminQueue, connection: Redis | undefined, content?: AttachmentContentStore) {
    this.#queue = queue;
    this.#connection = connection;
    this.#content = content;
  }

  /** Counts jobs by state. */
  async counts(): Promise<QueueCounts> {
    const raw = await this.#queue.getJobCounts(
      'wait',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    );
    const count = (state: string): number => raw[state] ?? 0;
    return {
      waiting: count('wait') + count('prioritized'),
      delayed: count('delayed'),
      active: count('active'),
      completed: count('completed'),
      failed: count('failed'),
    };
  }

  /**
   * Moves every failed job back to waiting with its attempts reset, so it gets the
   * full number of attempts again. Returns how many were moved. The job's stored
   * attachment content gets a new lifetime, as long as a new job's. Content already
   * gone (expired in Redis, or expired and purged in PostgreSQL, where expired rows
   * stay until the next content is stored and come back with the new lifetime until
   * then) cannot come back, and such a job fails again naming the attachment.
   *
   * Memory stays bounded whatever the number of failed jobs: ids are read a page at a
   * time and one job (with its data, up to the queue's `sizeLimit`) is loaded at a time.
   * Jobs that fail after the command started, retried ones that fail again included,
   * are left for the next run.
   */
  async retryFailed(): Promise<number> {
    const startedAt = Date.now();
    // At most the jobs that were failed at the start are looked at, so the command
    // ends even when workers fail retried jobs at once under a clock behind ours.
    let budget = (await this.#queue.getJobCounts('failed')).failed ?? 0;
    // Failed jobs in order of failure, oldest first; the ones before `kept` could
    // not be retried and stay in the set, retried ones leave it.
    let kept = 0;
    let retried = 0;
    while (budget > 0) {
      const ids = await this.#queue.getRanges(['failed'], kept, kept + RETRY_PAGE - 1, true);
      if (ids.length === 0) break;
      for (const id of ids) {
        if (budget-- <= 0) break;
        const job = await this.#queue.getJob(id);
        if (!job) continue; // removed meanwhile: it left the set
        if ((job.finishedOn ?? 0) >= startedAt) return retried;
        try {
          // First, so the retried job cannot find its content expiring under it.
          await this.#content?.extend(contentRefsOf(job.data), contentLifetimeMs(job.opts));
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          retried += 1;
        } catch {
          // Retried or removed by someone else meanwhile, or locked: if it is still
          // failed it keeps its place, and the next page starts after it.
          if (await job.isFailed().catch(() => true)) kept += 1;
        }
      }
    }
    return retried;
  }

  /**
   * Removes finished jobs older than `olderThanMs`; returns how many of each state. The
   * stored attachment content of removed failed jobs is left to expire.
   */
  async clean(
    olderThanMs: number,
    states: FinishedState[] = ['completed', 'failed'],
  ): Promise<Record<FinishedState, number>> {
    const removed: Record<FinishedState, number> = { completed: 0, failed: 0 };
    for (const state of states) {
      for (;;) {
        const ids = await this.#queue.clean(olderThanMs, PAGE, state);
        removed[state] += ids.length;
        if (ids.length < PAGE) break;
      }
    }
    return removed;
  }

  /**
   * Deletes the queue and every job in it, active ones included, and their stored
   * attachment content. Irreversible.
   */
  async obliterate(): Promise<void> {
    await this.#queue.obliterate({ force: true });
    await this.#content?.deleteAll();
  }

  /** Closes the admin's connections. */
  async close(): Promise<void> {
    await this.#queue.close();
    this.#connection?.disconnect();
  }
}

/**
 * Connects to a queue for operator tasks. Rejects when the datastore cannot be
 * reached within a few seconds.
 */
export async function openQueueAdmin(
  options: QueueConnectionOptions & { name?: string },
  env: QueueEnv = process.env,
): Promise<QueueAdmin> {
  const name = validateQueueName(options.name);
  const target = resolveQueueTarget(options, env);
  let connection: Redis | undefined;
  let queue: AdminQueue;
  let content: AttachmentContentStore;
  if (target.kind === 'postgres') {
    const postgresQueue = new PostgresQueue(name, {
      connection: postgresRoleConfig(target.config, { poolSize: 2 }),
    });
    content = new PostgresAttachmentContentStore(postgresQueue, name);
    queue = postgresQueue;
  } else {
    connection = openRedis(target, 'admin');
    const redisQueue = new Queue(name, { connection });
    content = new RedisAttachmentContentStore(connection, redisQueue);
    queue = redisQueue;
  }
  queue.on('error', () => undefined);
  const admin = new QueueAdmin(queue, connection, content);
  try {
    await queue.waitUntilReady();
  } catch (error) {
    await admin.close().catch(() => undefined);
    throw error;
  }
  return admin;
}
