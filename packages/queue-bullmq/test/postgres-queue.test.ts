import { type AddressInfo, createServer, type Socket } from 'node:net';
import { createMailer, QueueError } from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { type BullmqQueueOptions, bullmqQueue, openQueueAdmin } from '@mailroom/queue-bullmq';
import { greylisting, type SmtpSinkOptions } from '@mailroom/testkit';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  emailJob,
  enqueueOptions,
  expectRepeatedKeysNamed,
  freePort,
  POSTGRES_URL,
  requirePostgres,
  startDeliverer,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requirePostgres);

/** A fresh queue on the machine's PostgreSQL, dropped after the test, once available. */
async function postgresQueue(label: string, options: Omit<BullmqQueueOptions, 'postgres'> = {}) {
  const name = uniqueName(label);
  const queue = bullmqQueue({ postgres: POSTGRES_URL, name, ...options });
  cleanup.obliterate(name, { postgres: POSTGRES_URL });
  cleanup.add(() => queue.close());
  expect(await waitUntilAvailable(queue)).toBe(true);
  return queue;
}

/** A sink and a worker on queue `name`, recording outcomes. */
const deliverer = (name: string, sinkOptions: SmtpSinkOptions = {}) =>
  startDeliverer(cleanup, { postgres: POSTGRES_URL }, name, sinkOptions);

describe('BullMQ queue on PostgreSQL', () => {
  it('stores a batch in one call and a worker delivers every job of it', async () => {
    const queue = await postgresQueue('pgbulk');
    const jobs = await Promise.all(Array.from({ length: 12 }, (_, n) => emailJob(`Bulk ${n}`)));
    const stored = await queue.enqueueMany(
      jobs.map((job) => ({ job, opts: enqueueOptions(job.id) })),
    );
    expect(stored).toEqual(jobs.map((job) => ({ id: job.id })));
    const { sink } = await deliverer(queue.name);
    await sink.waitFor(12, 15_000);
    expect(new Set(sink.messages.map((m) => m.parsed.subject)).size).toBe(12);
  });

  it('retries recipients the server deferred (451) for them alone', async () => {
    const queue = await postgresQueue('pgdefer', { backoff: { delayMs: 50 } });
    const job = await emailJob('Greylisted', ['ok@example.com', 'later@example.com']);
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      rcptReply: greylisting(['later@example.com']),
    });
    await waitUntil(() => outcomes.length === 2, 15_000, 'two outcomes');
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'sent']);
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['ok@example.com'], ['later@example.com']]);
  });

  it('migrates, queues jobs, and a worker delivers them once per jobId', async () => {
    const queue = await postgresQueue('pg', { backoff: { delayMs: 50 } });
    expect(queue.datastore).toBe('postgres');

    const jobs = await Promise.all([1, 2, 3].map((n) => emailJob(`Postgres ${n}`)));
    for (const job of jobs) {
      expect(await queue.enqueue(job, enqueueOptions(job.id))).toEqual({ id: job.id });
    }
    const first = jobs[0];
    if (!first) throw new Error('no job');
    expect(await queue.enqueue(first, enqueueOptions(first.id))).toEqual({ id: first.id });

    const { sink, outcomes } = await deliverer(queue.name, {
      dataReply: (attempt) => (attempt === 1 ? { code: 451, message: 'Try again' } : undefined),
    });

    await sink.waitFor(3);
    await waitUntil(() => outcomes.filter((o) => o.status === 'sent').length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages.map((m) => m.parsed.messageId).sort()).toEqual(
      jobs.map((job) => job.messageId).sort(),
    );
    expect(outcomes.filter((o) => o.status === 'retry')).toHaveLength(1);
  });

  it('names the email stored for a key sent twice at once, or twice in one batch', async () => {
    await expectRepeatedKeysNamed(await postgresQueue('pgkeys'));
  });

  it('refuses a repeated idempotency key whose job failed; retry-failed sends it again', async () => {
    const queue = await postgresQueue('pgfail');
    const { name } = queue;
    let refuse = true;
    const { sink, outcomes } = await deliverer(name, {
      rcptReply: () => (refuse ? { code: 550, message: 'No such user' } : undefined),
    });

    const job = await emailJob('Bounce');
    expect(await queue.enqueue(job, enqueueOptions('signup:9'))).toEqual({ id: 'signup%3A9' });
    await waitUntil(() => outcomes.some((o) => o.status === 'failed'));
    const again = await emailJob('Bounce again');
    const error = await queue.enqueue(again, enqueueOptions('signup:9')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe('QUEUE_ENQUEUE_FAILED');
    expect((error as QueueError).message).toMatch(/already failed: DELIVERY_PERMANENT 550 /);
    expect((error as QueueError).details).toEqual({
      queue: name,
      jobId: 'signup%3A9',
      state: 'failed',
    });

    refuse = false;
    const admin = await openQueueAdmin({ postgres: POSTGRES_URL, name });
    cleanup.add(() => admin.close());
    expect(await admin.retryFailed()).toBe(1);
    await sink.waitFor(1);
    expect(sink.messages[0]?.parsed.subject).toBe('Bounce');
  });

  // The first open loads BullMQ, connects and migrates the schema: longer than one
  // availability check. Sends that must be queued wait for it; none is refused. A short
  // probe keeps that so when BullMQ is already loaded in this process.
  it('a mailer started just now queues background, keyed and delayed emails on a schema not yet migrated', async () => {
    const schema = uniqueName('pgcold').replaceAll('-', '_');
    const admin = new pg.Client(POSTGRES_URL);
    await admin.connect();
    cleanup.add(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const backend = testBackend();
    const mailer = createMailer({
      from: 'app@example.com',
      backend,
      queue: bullmqQueue({
        postgres: { connectionString: POSTGRES_URL, schema },
        name: 'cold',
        probeTimeoutMs: 80,
      }),
    });
    cleanup.add(() => mailer.close());
    const email = { to: 'a@example.com', subject: 'Cold start', text: 'Hello' };
    const results = await Promise.all([
      mailer.send({ ...email, background: true }),
      mailer.send({ ...email, idempotencyKey: 'cold-1' }),
      mailer.send({ ...email, delay: 60_000 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['queued', 'queued', 'queued']);
    expect(backend.sent).toHaveLength(0);
  });

  it('closes at once while its first open waits on a PostgreSQL that never answers', async () => {
    // Accepts connections and never says a word: a hung server or a dropped route.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.add(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as AddressInfo;
    const queue = bullmqQueue({
      postgres: `postgres://postgres@127.0.0.1:${port}/test`,
      name: 'mute',
    });
    expect(await queue.isAvailable()).toBe(false);
    expect(queue.isStarting()).toBe(true);
    const closing = performance.now();
    await queue.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(queue.isStarting()).toBe(false);
  });

  it('answers unavailable at once and refuses with QUEUE_UNAVAILABLE when PostgreSQL is away', async () => {
    const queue = bullmqQueue({
      postgres: `postgres://postgres@127.0.0.1:${await freePort()}/test`,
      name: 'nowhere',
    });
    cleanup.add(() => queue.close());
    const started = performance.now();
    expect(await queue.isAvailable()).toBe(false);
    expect(performance.now() - started).toBeLessThan(300);
    const job = await emailJob();
    const error = await queue.enqueue(job, enqueueOptions(job.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe('QUEUE_UNAVAILABLE');
  });
});

/** The first probe may include the schema migration, longer than one probe allows. */
async function waitUntilAvailable(queue: { isAvailable(): Promise<boolean> }): Promise<boolean> {
  await waitUntil(() => queue.isAvailable(), 10_000, 'PostgreSQL queue');
  return true;
}
