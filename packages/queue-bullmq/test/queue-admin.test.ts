import { QueueAdmin } from '@mailroom/queue-bullmq';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, REDIS_URL, requireRedis, uniqueName, waitUntil } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requireRedis);

type AdminQueue = ConstructorParameters<typeof QueueAdmin>[0];
type ContentStore = NonNullable<ConstructorParameters<typeof QueueAdmin>[2]>;

/** A content store that holds nothing and records the refs whose life was extended. */
function recordingStore(): { store: ContentStore; extended: string[] } {
  const extended: string[] = [];
  const nothing = async () => undefined;
  const store: ContentStore = {
    put: nothing,
    has: async () => false,
    read: () => ({
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
    }),
    extend: async (refs) => {
      extended.push(...refs);
    },
    delete: nothing,
    deleteAll: nothing,
  };
  return { store, extended };
}

/**
 * Wraps a BullMQ queue, recording the largest number of jobs (with their data) that
 * any one call returned: what a command holds in memory at once.
 */
function measured(queue: Queue): { queue: AdminQueue; mostJobsAtOnce: () => number } {
  let most = 0;
  const isJob = (value: unknown) => typeof value === 'object' && value !== null && 'data' in value;
  const wrapped = new Proxy(queue, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        const jobs = Array.isArray(result) ? result.filter(isJob).length : isJob(result) ? 1 : 0;
        most = Math.max(most, jobs);
        return result;
      };
    },
  });
  return { queue: wrapped as unknown as AdminQueue, mostJobsAtOnce: () => most };
}

describe('QueueAdmin.retryFailed', () => {
  it('pages through failed jobs one at a time, resets their attempts, and retries each once', async () => {
    const name = uniqueName('retry');
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection });
    cleanup.obliterate(name, { url: REDIS_URL });
    cleanup.add(async () => {
      await queue.close();
      connection.disconnect();
    });
    // More failed jobs than one page of ids; each carries some data.
    const count = 230;
    await queue.addBulk(
      Array.from({ length: count }, (_, n) => ({
        name: 'email',
        data: { n, padding: 'x'.repeat(1000), attachments: [{ contentRef: `email-${n}:0` }] },
        opts: { jobId: `job-${n}`, attempts: 3, priority: 5 },
      })),
    );
    const runs = new Map<string, number>();
    const worker = new Worker(
      name,
      async (job) => {
        runs.set(String(job.id), (runs.get(String(job.id)) ?? 0) + 1);
        throw new UnrecoverableError('bounced');
      },
      { connection, concurrency: 50 },
    );
    cleanup.add(() => worker.close());
    await waitUntil(async () => (await queue.getFailedCount()) === count, 10_000, 'failures');

    // The worker keeps running: retried jobs fail again at once, and must not be
    // retried a second time by the same command.
    const { queue: spied, mostJobsAtOnce } = measured(queue);
    const { store, extended } = recordingStore();
    const admin = new QueueAdmin(spied, undefined, store);
    expect(await admin.retryFailed()).toBe(count);
    expect(mostJobsAtOnce()).toBeLessThanOrEqual(1);
    // Each retried job's stored attachment content lives on.
    expect(new Set(extended).size).toBe(count);

    await waitUntil(async () => (await queue.getFailedCount()) === count, 10_000, 'failures');
    expect([...runs.values()].every((times) => times === 2)).toBe(true);
    expect(runs.size).toBe(count);
    // Attempts were reset: the second run was attempt 1 again.
    const job = await queue.getJob('job-0');
    expect(job?.attemptsMade).toBe(1);
  }, 30_000);
});
