import { createMailer } from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { bullmqQueue } from '@mailroom/queue-bullmq';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  emailJob,
  enqueueOptions,
  freePort,
  type PrivateRedis,
  queueErrorOf,
  startPrivateRedis,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function privateRedis(): Promise<PrivateRedis> {
  const redis = await startPrivateRedis();
  cleanup.add(() => redis.kill());
  return redis;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('BullMQ queue with Redis down', () => {
  it('answers unavailable at once and refuses with QUEUE_UNAVAILABLE when Redis never ran', async () => {
    const queue = bullmqQueue({ url: `redis://127.0.0.1:${await freePort()}`, name: 'nowhere' });
    cleanup.add(() => queue.close());
    const probe = await timed(() => queue.isAvailable());
    expect(probe.value).toBe(false);
    expect(probe.ms).toBeLessThan(300);
    const job = await emailJob();
    const refused = await timed(() => queueErrorOf(queue.enqueue(job, enqueueOptions(job.id))));
    expect(refused.value.code).toBe('QUEUE_UNAVAILABLE');
    expect(refused.ms).toBeLessThan(300);
  });

  it('says it is starting only while its first connection is under way', async () => {
    const refused = bullmqQueue({ url: `redis://127.0.0.1:${await freePort()}`, name: 'nowhere' });
    cleanup.add(() => refused.close());
    expect(refused.isStarting()).toBe(true);
    expect(await refused.isAvailable()).toBe(false);
    expect(refused.isStarting()).toBe(false);
    const redis = await privateRedis();
    const up = bullmqQueue({ url: redis.url, name: uniqueName('starting') });
    cleanup.add(() => up.close());
    expect(await up.isAvailable()).toBe(true);
    expect(up.isStarting()).toBe(false);
  });

  it('a mailer whose Redis never ran refuses a background send at once, sending nothing', async () => {
    const backend = testBackend();
    const mailer = createMailer({
      from: 'app@example.com',
      backend,
      queue: bullmqQueue({ url: `redis://127.0.0.1:${await freePort()}`, name: 'nowhere' }),
    });
    cleanup.add(() => mailer.close());
    const email = { to: 'a@example.com', subject: 'Hi', text: 'Hello', background: true };
    const refused = await timed(() => queueErrorOf(mailer.send(email)));
    expect(refused.value.code).toBe('QUEUE_UNAVAILABLE');
    expect(refused.ms).toBeLessThan(1000);
    expect(backend.sent).toHaveLength(0);
  });

  it('goes unavailable when Redis dies and is used again when it comes back', async () => {
    const redis = await privateRedis();
    const queue = bullmqQueue({ url: redis.url, name: uniqueName('outage') });
    cleanup.add(() => queue.close());
    const job = await emailJob('Before');
    expect(await queue.isAvailable()).toBe(true);
    await queue.enqueue(job, enqueueOptions(job.id));

    await redis.kill();
    await waitUntil(async () => !(await queue.isAvailable()), 2000, 'unavailable');
    const probe = await timed(() => queue.isAvailable());
    expect(probe.value).toBe(false);
    expect(probe.ms).toBeLessThan(300);
    const down = await emailJob('During');
    const refused = await timed(() => queueErrorOf(queue.enqueue(down, enqueueOptions(down.id))));
    expect(refused.value.code).toBe('QUEUE_UNAVAILABLE');
    expect(refused.ms).toBeLessThan(300);

    await redis.start();
    await waitUntil(() => queue.isAvailable(), 5000, 'Redis to be used again');
    const after = await emailJob('After');
    expect(await queue.enqueue(after, enqueueOptions(after.id))).toEqual({ id: after.id });
  });

  it('reports QUEUE_ENQUEUE_FAILED when Redis stops answering after the job was sent', async () => {
    const redis = await privateRedis();
    const name = uniqueName('hung');
    const queue = bullmqQueue({ url: redis.url, name, enqueueTimeoutMs: 300 });
    cleanup.add(() => queue.close());
    expect(await queue.isAvailable()).toBe(true);

    redis.pause();
    cleanup.add(async () => redis.resume());
    const probe = await timed(() => queue.isAvailable());
    expect(probe.value).toBe(false);
    expect(probe.ms).toBeLessThan(300);
    const job = await emailJob('Maybe stored');
    const error = await queueErrorOf(queue.enqueue(job, enqueueOptions(job.id)));
    expect(error.code).toBe('QUEUE_ENQUEUE_FAILED');

    // Why the mailer must not fall back here: the job was stored after all.
    redis.resume();
    const connection = new Redis(redis.url);
    const bull = new Queue(name, { connection });
    cleanup.add(async () => {
      await bull.close();
      connection.disconnect();
    });
    await waitUntil(async () => (await bull.getJob(job.id)) !== undefined, 3000, 'the late job');
  });
});
