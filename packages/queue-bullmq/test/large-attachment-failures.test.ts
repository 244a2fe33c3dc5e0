import { randomBytes } from 'node:crypto';
import { createMailer, QueueError } from '@mailroom/core';
import { bullmqQueue } from '@mailroom/queue-bullmq';
import { startSmtpSink } from '@mailroom/testkit';
import { type Job, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentContentStore } from '../src/attachment-content-store.js';
import { deliverJob } from '../src/deliver-job.js';
import { LargeAttachmentStorage } from '../src/large-attachment-storage.js';
import { moveLargeAttachments } from '../src/large-attachments.js';
import type { AddedJob, QueueProducer } from '../src/queue-producer.js';
import { RedisAttachmentContentStore } from '../src/redis-attachment-content-store.js';
import {
  backendFor,
  Cleanup,
  emailJob,
  emailJobWith,
  enqueueOptions,
  queueErrorOf,
  REDIS_URL,
  requireRedis,
  startPrivateRedis,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const LARGE = randomBytes(100 * 1024);

describe('large attachment content the datastore does not store', () => {
  it('refuses only the job (scope job) when Redis refuses the content; the queue stays up', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    // A user that may do everything but SET, which stores the content: BullMQ's adds
    // run in scripts that never call it.
    const admin = new Redis(redis.url);
    await admin.acl('SETUSER', 'mailer', 'on', 'nopass', '~*', '&*', '+@all', '-set');
    admin.disconnect();
    const mailerUrl = `redis://mailer:@127.0.0.1:${redis.port}`;
    const queue = bullmqQueue({ url: mailerUrl, name: uniqueName('refused') });
    cleanup.add(() => queue.close());
    await waitUntil(() => queue.isAvailable(), 5000, 'the queue');

    const job = await emailJobWith('Refused', { content: LARGE, filename: 'large.bin' });
    const error = await queueErrorOf(queue.enqueue(job, enqueueOptions(job.id)));
    expect(error.code).toBe('QUEUE_UNAVAILABLE');
    expect(error.details).toMatchObject({ scope: 'job', reason: 'content-refused' });
    expect(error.message).toMatch(/NOPERM|EXECABORT/);

    expect(await queue.isAvailable()).toBe(true);
    const small = await emailJob('Small');
    expect(await queue.enqueue(small, enqueueOptions(small.id))).toEqual({ id: small.id });

    // Through a mailer: that email goes directly, the next ones still to the queue.
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const mailer = createMailer({
      from: 'App <app@example.com>',
      backend: backendFor(sink),
      queue: bullmqQueue({ url: mailerUrl, name: uniqueName('refusedmailer') }),
    });
    cleanup.add(() => mailer.close());
    const email = { to: 'user@example.com', text: 'Hi' };
    const large = await mailer.send({
      ...email,
      subject: 'Large',
      attachments: [{ content: LARGE, filename: 'large.bin' }],
    });
    expect(large).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(sink.messages).toHaveLength(1);
    for (const subject of ['After 1', 'After 2']) {
      expect(await mailer.send({ ...email, subject })).toMatchObject({ mode: 'queue' });
    }
  });

  it('says the queue is unavailable (no scope) when Redis does not answer the content', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const queue = bullmqQueue({
      url: redis.url,
      name: uniqueName('silent'),
      enqueueTimeoutMs: 300,
    });
    cleanup.add(() => queue.close());
    await waitUntil(() => queue.isAvailable(), 5000, 'the queue');
    redis.pause();
    cleanup.add(async () => redis.resume());

    const job = await emailJobWith('Unanswered', { content: LARGE, filename: 'large.bin' });
    const error = await queueErrorOf(queue.enqueue(job, enqueueOptions(job.id)));
    expect(error.code).toBe('QUEUE_UNAVAILABLE');
    expect(error.details?.scope).toBeUndefined();
  });
});

describe('LargeAttachmentStorage when the add fails after the content was stored', () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  beforeAll(requireRedis);
  afterAll(() => client.disconnect());

  /** The storage of a queue whose content is real (Redis), and whose add fails. */
  function storage(name: string) {
    const content = new RedisAttachmentContentStore(client, {
      toKey: (type) => `bull:${name}:${type}`,
    });
    const producer: Pick<QueueProducer, 'contentStore' | 'storedEmail'> = {
      contentStore: async () => content,
      storedEmail: async () => undefined,
    };
    return new LargeAttachmentStorage(name, producer as QueueProducer, {});
  }

  const contentKeys = (name: string) => client.keys(`bull:${name}:content:*`);

  it.each([
    [
      'deletes it when the job certainly was not stored (QUEUE_UNAVAILABLE)',
      'QUEUE_UNAVAILABLE',
      0,
    ],
    [
      'keeps it when the job may have been stored (QUEUE_ENQUEUE_FAILED)',
      'QUEUE_ENQUEUE_FAILED',
      1,
    ],
  ] as const)('%s', async (_, code, kept) => {
    const name = uniqueName('addfails');
    cleanup.add(async () => {
      const keys = await contentKeys(name);
      if (keys.length > 0) await client.del(...keys);
    });
    const job = await emailJobWith('Add fails', { content: LARGE, filename: 'large.bin' });
    let storedBeforeAdd = 0;
    const add = async (): Promise<AddedJob[]> => {
      storedBeforeAdd = (await contentKeys(name)).length;
      throw new QueueError(code, 'injected');
    };
    const error = await queueErrorOf(storage(name).store([job], 0, add));
    expect(error.code).toBe(code);
    expect(storedBeforeAdd).toBe(1);
    expect(await contentKeys(name)).toHaveLength(kept);
  });
});

describe('stored content the datastore fails to give while the email is being sent', () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  beforeAll(requireRedis);
  afterAll(() => client.disconnect());

  it('fails that attempt as temporary, and the next attempt sends the attachment whole', async () => {
    const name = uniqueName('readfails');
    const store = new RedisAttachmentContentStore(client, {
      toKey: (type) => `bull:${name}:${type}`,
    });
    cleanup.add(() => store.deleteAll());
    const bytes = randomBytes(1024 * 1024);
    const { job, contents } = moveLargeAttachments(
      await emailJobWith('Read fails', { content: bytes, filename: 'big.bin' }),
    );
    await store.put(contents, 60_000);
    // The datastore goes away after the first piece, as in a restart or a failover.
    const failing: AttachmentContentStore = {
      put: (entries, ttlMs) => store.put(entries, ttlMs),
      has: (ref, size) => store.has(ref, size),
      extend: (refs, ttlMs) => store.extend(refs, ttlMs),
      delete: (refs) => store.delete(refs),
      deleteAll: () => store.deleteAll(),
      async *read(ref, size) {
        let pieces = 0;
        for await (const piece of store.read(ref, size)) {
          if (pieces++ === 1) {
            throw Object.assign(new Error('terminating connection due to administrator command'), {
              code: '57P01',
            });
          }
          yield piece;
        }
      },
    };
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const backend = backendFor(sink);
    cleanup.add(() => backend.close());
    const stored = { data: job } as Job<unknown>;

    const failure = await deliverJob(backend, stored, failing).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
    expect((failure as Error).message).toMatch(/^DELIVERY_TEMPORARY .*administrator command/);
    expect(sink.messages).toHaveLength(0);

    await deliverJob(backend, stored, store);
    const [received] = await sink.waitFor(1);
    expect(received?.parsed.attachments[0]?.content.equals(bytes)).toBe(true);
  });
});
