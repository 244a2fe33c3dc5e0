import {
  ConfigError,
  createMailer,
  type MailerEvents,
  mailerConfigFromEnv,
  type QueueAdapter,
  QueueError,
} from '@mailroom/core';
import {
  type BullmqQueueOptions,
  bullmqQueue,
  bullmqQueueFromEnv,
  type EmailWorkerOptions,
  openQueueAdmin,
  startEmailWorker,
} from '@mailroom/queue-bullmq';
import { greylisting, type SmtpSinkOptions, startSmtpSink } from '@mailroom/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendFor,
  Cleanup,
  emailJob,
  enqueueOptions,
  expectRepeatedKeysNamed,
  REDIS_URL,
  requireRedis,
  startDeliverer,
  startPrivateRedis,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requireRedis);

/** A fresh queue on the machine's Redis, deleted after the test. */
function redisQueue(options: BullmqQueueOptions = {}) {
  const name = uniqueName('redis');
  const queue = bullmqQueue({ url: REDIS_URL, name, backoff: { delayMs: 50 }, ...options });
  cleanup.obliterate(name, { url: REDIS_URL });
  cleanup.add(() => queue.close());
  return queue;
}

/** BullMQ's own view of a queue, to inspect stored jobs. */
function rawQueue(name: string): Queue {
  const connection = new Redis(REDIS_URL);
  const queue = new Queue(name, { connection });
  cleanup.add(async () => {
    await queue.close();
    connection.disconnect();
  });
  return queue;
}

/** A sink and a worker on `name`, recording outcomes. */
const deliverer = (name: string, sinkOptions: SmtpSinkOptions = {}, concurrency?: number) =>
  startDeliverer(cleanup, { url: REDIS_URL }, name, sinkOptions, concurrency);

const configError = (make: () => unknown): ConfigError => {
  try {
    make();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('bullmqQueue options', () => {
  it('refuses bad options with CONFIG_INVALID naming the key', () => {
    const cases: Array<[BullmqQueueOptions | Record<string, unknown>, string]> = [
      [{ url: REDIS_URL, atempts: 3 }, 'atempts'],
      [{ url: 'http://localhost' }, 'url'],
      [{ url: REDIS_URL, postgres: 'postgres://x@y/z' }, 'postgres'],
      [{ url: REDIS_URL, attempts: 0 }, 'attempts'],
      [{ url: REDIS_URL, name: 'a:b' }, 'name'],
      [{ url: REDIS_URL, backoff: { delayMs: -1 } }, 'backoff.delayMs'],
      [{ url: REDIS_URL, backoff: { jitter: 2 } }, 'backoff.jitter'],
      [{ url: REDIS_URL, removeOnComplete: { days: 1 } }, 'removeOnComplete'],
      [{ url: REDIS_URL, allowFallback: 'yes' }, 'allowFallback'],
      [{ postgres: 'mysql://x' }, 'postgres'],
      [{ connection: {} }, 'connection'],
    ];
    for (const [options, key] of cases) {
      const error = configError(() => bullmqQueue(options as BullmqQueueOptions));
      expect(error.code, key).toBe('CONFIG_INVALID');
      expect(error.details.key).toBe(key);
    }
  });

  it('builds from the environment only when REDIS_URL or MAIL_QUEUE_POSTGRES_URL is set', async () => {
    expect(bullmqQueueFromEnv({})).toBeUndefined();
    const fromRedis = bullmqQueueFromEnv({ REDIS_URL });
    expect(fromRedis?.datastore).toBe('redis');
    expect(fromRedis?.name).toBe('emails');
    expect(fromRedis?.allowFallback).toBe(true);
    await fromRedis?.close();
    // MAIL_QUEUE_POSTGRES_URL names the mail queue; REDIS_URL may just be a cache.
    const both = bullmqQueueFromEnv({ REDIS_URL, MAIL_QUEUE_POSTGRES_URL: 'postgres://u@h/db' });
    expect(both?.datastore).toBe('postgres');
    await both?.close();
    expect(configError(() => bullmqQueueFromEnv({ REDIS_URL: 'nope' })).details.key).toBe(
      'REDIS_URL',
    );
  });

  it('mailerConfigFromEnv(env) in auto mode takes the queue from the env it is given', async () => {
    const config = await mailerConfigFromEnv({ REDIS_URL });
    expect(config.queue).toMatchObject({ name: 'emails', datastore: 'redis' });
    await (config.queue as QueueAdapter).close();
    // Nor does it pick up a queue from process.env that it was not given.
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = REDIS_URL;
    try {
      expect((await mailerConfigFromEnv({})).queue).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});

describe('startEmailWorker options', () => {
  it('refuses unknown and bad options with CONFIG_INVALID naming the key, before connecting', async () => {
    const backend = {
      name: 'none',
      send: async () => ({ messageId: '', accepted: [], rejected: [] }),
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: REDIS_URL, backend, concurency: 2 }, 'concurency'],
      [{ url: REDIS_URL, backend, onjob: () => undefined }, 'onjob'],
      [{ url: REDIS_URL, backend, concurrency: 0 }, 'concurrency'],
      [{ url: REDIS_URL, backend, lockDuration: 1.5 }, 'lockDuration'],
      [{ url: REDIS_URL, backend, onError: 'log' }, 'onError'],
      [{ url: REDIS_URL }, 'backend'],
      [{ backend, url: 'http://localhost' }, 'url'],
    ];
    for (const [options, key] of cases) {
      const error = await startEmailWorker(options as unknown as EmailWorkerOptions, {}).then(
        (worker) => worker.close().then(() => new Error(`${key} was accepted`)),
        (caught: unknown) => caught as ConfigError,
      );
      expect(error, key).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).details.key).toBe(key);
    }
  });
});

describe('BullMQ queue on Redis', () => {
  it('is available, queues jobs, and a worker delivers them', async () => {
    const queue = redisQueue();
    expect(await queue.isAvailable()).toBe(true);
    const jobs = await Promise.all([1, 2, 3].map((n) => emailJob(`Redis ${n}`)));
    for (const job of jobs) {
      expect(await queue.enqueue(job, enqueueOptions(job.id))).toEqual({ id: job.id });
    }
    const { sink, outcomes } = await deliverer(queue.name);
    const received = await sink.waitFor(3);
    expect(received.map((m) => m.parsed.messageId).sort()).toEqual(
      jobs.map((job) => job.messageId).sort(),
    );
    await waitUntil(() => outcomes.length === 3);
    expect(outcomes.every((o) => o.status === 'sent' && o.accepted.length === 1)).toBe(true);
  });

  it('stores a job once per jobId, so a repeated idempotency key sends once', async () => {
    const queue = redisQueue();
    const job = await emailJob('Once');
    // Keys BullMQ would refuse as ids (integers, ":") are mapped, still one-to-one.
    for (const key of ['order:42', '42']) {
      const first = await queue.enqueue(job, enqueueOptions(key));
      const again = await queue.enqueue(await emailJob('Once again'), enqueueOptions(key));
      // The email that goes out is the first one, and the result says which.
      expect(again).toEqual({ id: first.id, existing: { id: job.id, messageId: job.messageId } });
      const [inBatch] = await queue.enqueueMany([
        { job: await emailJob('Once in a batch'), opts: enqueueOptions(key) },
      ]);
      expect(inBatch).toEqual(again);
    }
    const { sink } = await deliverer(queue.name);
    await sink.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['Once', 'Once']);
  });

  it('names the email stored for a key sent twice at once, or twice in one batch', async () => {
    await expectRepeatedKeysNamed(redisQueue());
  });

  it('honours delay', async () => {
    const queue = redisQueue();
    const { sink } = await deliverer(queue.name);
    const started = Date.now();
    await queue.enqueue(await emailJob('Later'), enqueueOptions('later', { delayMs: 800 }));
    await queue.enqueue(await emailJob('Now'), enqueueOptions('now'));
    await sink.waitFor(1);
    expect(sink.messages[0]?.parsed.subject).toBe('Now');
    await sink.waitFor(2);
    expect(sink.messages[1]?.parsed.subject).toBe('Later');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('runs high before normal before low among waiting jobs', async () => {
    const queue = redisQueue();
    for (const priority of ['low', 'normal', 'high', 'low', 'high'] as const) {
      const job = await emailJob(priority);
      await queue.enqueue(job, enqueueOptions(job.id, { priority }));
    }
    const { sink } = await deliverer(queue.name, {}, 1);
    await sink.waitFor(5);
    expect(sink.messages.map((m) => m.parsed.subject)).toEqual([
      'high',
      'high',
      'normal',
      'low',
      'low',
    ]);
  });

  it('retries a temporary failure (450) with backoff until accepted', async () => {
    const queue = redisQueue();
    const job = await emailJob('Greylisted');
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      dataReply: (attempt) =>
        attempt <= 2 ? { code: 450, message: 'Greylisted, try later' } : undefined,
    });
    await sink.waitFor(1);
    await waitUntil(() => outcomes.length === 3);
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'retry', 'sent']);
    const retry = outcomes[0];
    expect(retry).toMatchObject({ attempt: 1, attempts: 5 });
    if (retry?.status === 'retry') {
      expect(retry.failure).toMatchObject({ code: 'DELIVERY_TEMPORARY', responseCode: 450 });
    }
    expect(outcomes[2]).toMatchObject({ attempt: 3, messageId: job.messageId });
    expect(sink.messages[0]?.parsed.messageId).toBe(job.messageId);
  });

  it('retries recipients the server deferred (451) for them alone, once each', async () => {
    const queue = redisQueue();
    const job = await emailJob('Greylisted one', ['ok@example.com', 'later@example.com']);
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      rcptReply: greylisting(['later@example.com']),
    });
    await waitUntil(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'sent']);
    expect(outcomes[0]).toMatchObject({
      failure: {
        code: 'DELIVERY_TEMPORARY',
        message: '1 of 2 recipients deferred by the server; delivered to 1',
      },
    });
    expect(outcomes[1]).toMatchObject({ accepted: ['later@example.com'], rejected: [] });
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['ok@example.com'], ['later@example.com']]);
    expect(sink.messages.map((m) => m.parsed.messageId)).toEqual([job.messageId, job.messageId]);
    expect(sink.messages[1]?.parsed.to).toMatchObject({
      text: 'ok@example.com, later@example.com',
    });
  });

  it('keeps a job whose deferred recipients ran out of attempts for retry-failed, which sends to them alone', async () => {
    const queue = redisQueue({ attempts: 1 });
    const job = await emailJob('Greylisted long', ['ok@example.com', 'later@example.com']);
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      rcptReply: greylisting(['later@example.com']),
    });
    await waitUntil(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      failure: { code: 'DELIVERY_TEMPORARY' },
    });
    const stored = await rawQueue(queue.name).getJob(job.id);
    expect(stored?.failedReason).toMatch(/^DELIVERY_TEMPORARY 1 of 2 recipients deferred/);
    expect(stored?.data.envelope.to).toEqual(['later@example.com']);

    const admin = await openQueueAdmin({ url: REDIS_URL, name: queue.name });
    cleanup.add(() => admin.close());
    expect(await admin.retryFailed()).toBe(1);
    await waitUntil(() => outcomes.length === 2);
    expect(outcomes[1]).toMatchObject({ status: 'sent', accepted: ['later@example.com'] });
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['ok@example.com'], ['later@example.com']]);
  });

  it('fails a permanent failure (550) at once, keeping the SMTP reason', async () => {
    const queue = redisQueue();
    const job = await emailJob('Bounce');
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      dataReply: () => ({ code: 550, message: 'No such user here' }),
    });
    await waitUntil(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ status: 'failed', attempt: 1, attempts: 5 });
    const bull = rawQueue(queue.name);
    const stored = await bull.getJob(job.id);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.failedReason).toMatch(/^DELIVERY_PERMANENT 550 .*No such user here/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.dataAttempts).toBe(1);
  });

  it('fails an unreadable job at once as INVALID_INPUT', async () => {
    const queue = redisQueue();
    const bull = rawQueue(queue.name);
    await bull.add(
      'email',
      { v: 99, subject: 'from the future' },
      { jobId: 'future', attempts: 5 },
    );
    const { outcomes } = await deliverer(queue.name);
    await waitUntil(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      attempt: 1,
      failure: { code: 'INVALID_INPUT', permanent: true },
    });
  });

  it('refuses a job over sizeLimit as QUEUE_UNAVAILABLE of that job alone, so the mailer may send it directly', async () => {
    const queue = redisQueue({ sizeLimit: 1000 });
    const job = await emailJob('x'.repeat(2000));
    const error = await queue.enqueue(job, enqueueOptions(job.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe('QUEUE_UNAVAILABLE');
    expect((error as QueueError).details).toEqual({
      queue: queue.name,
      scope: 'job',
      reason: 'too-large',
      size: Buffer.byteLength(JSON.stringify(job)),
      limit: 1000,
    });
  });

  it('sends an oversized email directly and still queues the small one after it', async () => {
    const queue = redisQueue({ sizeLimit: 2000 });
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const mailer = createMailer({ from: 'app@example.com', backend: backendFor(sink), queue });
    cleanup.add(() => mailer.close());
    const fallbacks: Array<MailerEvents['fallback']> = [];
    mailer.on('fallback', (event) => fallbacks.push(event));
    const big = await mailer.send({ to: 'a@example.com', subject: 'Big', text: 'x'.repeat(5000) });
    expect(big).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(fallbacks).toHaveLength(1);
    // The queue itself is fine: the next email is queued, not sent directly.
    const small = await mailer.send({ to: 'a@example.com', subject: 'Small', text: 'hi' });
    expect(small).toMatchObject({ ok: true, status: 'queued', mode: 'queue' });
    expect(fallbacks).toHaveLength(1);
  });

  it('sendMany stores a batch with addBulk; an oversized email in it goes directly, the rest are delivered by the worker', async () => {
    const queue = redisQueue({ sizeLimit: 2000 });
    const { sink } = await deliverer(queue.name);
    const direct = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => direct.close());
    const mailer = createMailer({ from: 'app@example.com', backend: backendFor(direct), queue });
    cleanup.add(() => mailer.close());
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      to: `u${i}@example.com`,
      subject: `Bulk ${i}`,
      text: i === 7 ? 'x'.repeat(5000) : `Body ${i}`,
    }));
    const results = await mailer.sendMany(inputs);
    expect(results.filter((r) => r.ok && r.status === 'queued')).toHaveLength(39);
    expect(results[7]).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    await sink.waitFor(39, 15_000);
    expect(new Set(sink.messages.map((m) => m.parsed.subject)).size).toBe(39);
    expect(direct.messages.map((m) => m.parsed.subject)).toEqual(['Bulk 7']);
    const stored = await rawQueue(queue.name).getJobCounts('completed', 'waiting', 'active');
    expect((stored.completed ?? 0) + (stored.waiting ?? 0) + (stored.active ?? 0)).toBe(39);
  });

  it('refuses a repeated idempotency key whose job failed, and leaves that job for retry-failed', async () => {
    const queue = redisQueue();
    const { sink, outcomes } = await deliverer(queue.name, {
      rcptReply: (address) =>
        address === 'bounce@example.com' ? { code: 550, message: 'No such user' } : undefined,
    });
    const bounced = await emailJob('Bounce', 'bounce@example.com');
    expect(await queue.enqueue(bounced, enqueueOptions('order:7'))).toEqual({ id: 'order%3A7' });
    const fine = await emailJob('Fine');
    expect(await queue.enqueue(fine, enqueueOptions('order:8'))).toEqual({ id: 'order%3A8' });
    await waitUntil(() => outcomes.length === 2);

    // Failed: the same key again is refused, and nothing is stored or retried.
    const again = await emailJob('Bounce again', 'bounce@example.com');
    const error = await queue.enqueue(again, enqueueOptions('order:7')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe('QUEUE_ENQUEUE_FAILED');
    expect((error as QueueError).message).toMatch(
      /^a job with this idempotency key already failed: DELIVERY_PERMANENT 550 .*No such user/,
    );
    expect((error as QueueError).details).toEqual({
      queue: queue.name,
      jobId: 'order%3A7',
      state: 'failed',
    });
    const bull = rawQueue(queue.name);
    expect(await bull.getJobState('order%3A7')).toBe('failed');
    expect((await bull.getJob('order%3A7'))?.data.subject).toBe('Bounce');

    // Completed: the same key returns the id and the email sent, which is not sent again.
    const fineAgain = await emailJob('Fine again');
    expect(await queue.enqueue(fineAgain, enqueueOptions('order:8'))).toEqual({
      id: 'order%3A8',
      existing: { id: fine.id, messageId: fine.messageId },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['Fine']);
    expect(await bull.getJobCounts('failed', 'completed', 'wait', 'prioritized')).toEqual({
      failed: 1,
      completed: 1,
      wait: 0,
      prioritized: 0,
    });
  });

  it('applies retention and attempts to every job', async () => {
    const queue = redisQueue({ attempts: 3, removeOnComplete: 10, removeOnFail: { age: 60 } });
    const job = await emailJob('Options');
    await queue.enqueue(job, enqueueOptions(job.id, { priority: 'low' }));
    const bull = rawQueue(queue.name);
    const stored = await bull.getJob(job.id);
    expect(stored?.opts).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 50, jitter: 0.25 },
      removeOnComplete: 10,
      removeOnFail: { age: 60 },
      priority: 10,
    });
  });

  it('resolves every close() only once its connection is closed', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const observer = new Redis(redis.url);
    cleanup.add(async () => observer.disconnect());
    const others = async () =>
      String(await observer.call('CLIENT', 'LIST'))
        .trim()
        .split('\n').length - 1;
    const queue = bullmqQueue({ url: redis.url, name: uniqueName('close') });
    const job = await emailJob('Closed twice');
    await queue.enqueue(job, enqueueOptions(job.id));
    expect(await others()).toBe(1);
    const first = queue.close();
    await queue.close();
    expect(await others()).toBe(0);
    await first;
  });

  it('works from an ioredis client of the application, and leaves it open', async () => {
    const connection = new Redis(REDIS_URL);
    cleanup.add(async () => connection.disconnect());
    const name = uniqueName('client');
    cleanup.obliterate(name, { url: REDIS_URL });
    const queue = bullmqQueue({ connection, name });
    const job = await emailJob('Shared client');
    await queue.enqueue(job, enqueueOptions(job.id));
    const sink = await startSmtpSink({ disableStartTls: true });
    const backend = backendFor(sink);
    const worker = await startEmailWorker({ connection, name, backend });
    cleanup.add(() => sink.close());
    cleanup.add(() => backend.close());
    await sink.waitFor(1);
    await worker.close();
    await queue.close();
    expect(await connection.ping()).toBe('PONG');
  });

  // An application's client often fails fast (as a producer's should); a worker built
  // from it must still wait on Redis, or its blocking fetch times out and no job runs.
  it('a worker made from a fail-fast client of the application still delivers', async () => {
    const connection = new Redis(REDIS_URL, {
      commandTimeout: 300,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    cleanup.add(async () => connection.disconnect());
    const name = uniqueName('failfast');
    cleanup.obliterate(name, { url: REDIS_URL });
    const sink = await startSmtpSink({ disableStartTls: true });
    const backend = backendFor(sink);
    cleanup.add(() => sink.close());
    cleanup.add(() => backend.close());
    const errors: string[] = [];
    const worker = await startEmailWorker({
      connection,
      name,
      backend,
      onError: (error) => errors.push(error.message),
    });
    cleanup.add(() => worker.close());
    // Idle for longer than the client's command timeout, blocked waiting for a job.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const queue = bullmqQueue({ connection, name });
    cleanup.add(() => queue.close());
    const job = await emailJob('From a fail-fast client');
    await queue.enqueue(job, enqueueOptions(job.id));
    await sink.waitFor(1, 5000);
    expect(sink.messages[0]?.parsed.subject).toBe('From a fail-fast client');
    expect(errors).toEqual([]);
  });
});
