import { createPostgresBackend, type Job, type JobType, Queue, withBackend } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  openRedis,
  postgresRoleConfig,
  type QueueConnectionOptions,
  type QueueEnv,
  resolveQueueTarget,
} from './connection-options.js';
import { validateQueueName } from './validate-queue-options.js';

const { Queue: PostgresQueue } = withBackend(createPostgresBackend);

/** The BullMQ queue operations the admin uses, alike on Redis and PostgreSQL. */
interface AdminQueue {
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
  getFailed(start: number, end: number): Promise<Job[]>;
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

/** Operator tasks on a queue: counts, retrying failed jobs, removing old ones. */
export class QueueAdmin {
  readonly #queue: AdminQueue;
  readonly #connection: Redis | undefined;

  /** Use {@link openQueueAdmin}. */
  constructor(queue: AdminQueue, connection: Redis | undefined) {
    this.#queue = queue;
    this.#connection = connection;
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
   * full number of attempts again. Returns how many were moved.
   */
  async retryFailed(): Promise<number> {
    // Take the list first: a retried job that fails again must not be retried twice.
    const jobs = [];
    for (let start = 0; ; start += PAGE) {
      const page = await this.#queue.getFailed(start, start + PAGE - 1);
      jobs.push(...page);
      if (page.length < PAGE) break;
    }
    let retried = 0;
    for (const job of jobs) {
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried += 1;
      } catch {
        // Removed or retried by someone else meanwhile: nothing left to do for it.
      }
    }
    return retried;
  }

  /** Removes finished jobs older than `olderThanMs`; returns how many of each state. */
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

  /** Deletes the queue and every job in it, active ones included. Irreversible. */
  async obliterate(): Promise<void> {
    await this.#queue.obliterate({ force: true });
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
  if (target.kind === 'postgres') {
    queue = new PostgresQueue(name, {
      connection: postgresRoleConfig(target.config, { poolSize: 2 }),
    });
  } else {
    connection = openRedis(target, 'admin');
    queue = new Queue(name, { connection });
  }
  queue.on('error', () => undefined);
  const admin = new QueueAdmin(queue, connection);
  try {
    await queue.waitUntilReady();
  } catch (error) {
    await admin.close().catch(() => undefined);
    throw error;
  }
  return admin;
}
