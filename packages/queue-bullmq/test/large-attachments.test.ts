import { createHash, randomBytes } from 'node:crypto';
import { type EmailJob, QueueError } from '@mailroom/core';
import {
  type BullmqQueue,
  type BullmqQueueOptions,
  bullmqQueue,
  type JobOutcome,
  openQueueAdmin,
  type QueueConnectionOptions,
  startEmailWorker,
} from '@mailroom/queue-bullmq';
import { type SmtpSinkOptions, startSmtpSink } from '@mailroom/testkit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendFor,
  Cleanup,
  emailJobWith,
  enqueueOptions,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  requirePostgres,
  requireRedis,
  startDeliverer,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

// Several read pieces on either datastore (256 KiB of base64 in Redis, of bytes in
// PostgreSQL), the last one partial.
const LARGE = randomBytes(600 * 1024 + 7);
const SMALL = randomBytes(1024);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the tests read straight from a datastore, beside the package's API. */
interface Datastore {
  label: string;
  where: QueueConnectionOptions;
  away(): Promise<QueueConnectionOptions>;
  require(): Promise<void>;
  /** The job as stored (its JSON data). */
  jobData(queue: string, jobId: string): Promise<EmailJob>;
  /** The refs of the queue's stored content. */
  contentRefs(queue: string): Promise<string[]>;
  deleteContent(queue: string, ref: string): Promise<void>;
  /** How long until the content under `ref` expires, in ms (negative when it has none). */
  expiresInMs(queue: string, ref: string): Promise<number>;
  /** Makes the content under `ref` expire `ms` from now. */
  expireIn(queue: string, ref: string, ms: number): Promise<void>;
}

const redis = new Redis(REDIS_URL, { lazyConnect: true });
const postgres = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
afterAll(async () => {
  redis.disconnect();
  await postgres.end();
});

const onRedis: Datastore = {
  label: 'Redis',
  where: { url: REDIS_URL },
  away: async () => ({ url: `redis://127.0.0.1:${await freePort()}` }),
  require: requireRedis,
  async jobData(queue, jobId) {
    return JSON.parse((await redis.hget(`bull:${queue}:${jobId}`, 'data')) ?? 'null');
  },
  async contentRefs(queue) {
    const prefix = `bull:${queue}:content:`;
    return (await redis.keys(`${prefix}*`)).map((key) => key.slice(prefix.length)).sort();
  },
  async deleteContent(queue, ref) {
    await redis.del(`bull:${queue}:content:${ref}`);
  },
  expiresInMs: (queue, ref) => redis.pttl(`bull:${queue}:content:${ref}`),
  async expireIn(queue, ref, ms) {
    await redis.pexpire(`bull:${queue}:content:${ref}`, ms);
  },
};

// The database's clock, as the store reads it.
const PG_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

const onPostgres: Datastore = {
  label: 'PostgreSQL',
  where: { postgres: POSTGRES_URL },
  away: async () => ({ postgres: `postgres://postgres@127.0.0.1:${await freePort()}/test` }),
  require: requirePostgres,
  async jobData(queue, jobId) {
    const { rows } = await postgres.query(
      'SELECT data FROM bullmq.job WHERE queue = $1 AND id = $2',
      [queue, jobId],
    );
    return rows[0]?.data;
  },
  async contentRefs(queue) {
    const { rows } = await postgres.query(
      'SELECT ref FROM bullmq.mailroom_attachment_content WHERE queue = $1 ORDER BY ref',
      [queue],
    );
    return rows.map((row: { ref: string }) => row.ref);
  },
  async deleteContent(queue, ref) {
    await postgres.query(
      'DELETE FROM bullmq.mailroom_attachment_content WHERE queue = $1 AND ref = $2',
      [queue, ref],
    );
  },
  async expiresInMs(queue, ref) {
    const { rows } = await postgres.query(
      `SELECT expires_at_ms - ${PG_NOW_MS} AS ms FROM bullmq.mailroom_attachment_content
        WHERE queue = $1 AND ref = $2`,
      [queue, ref],
    );
    return rows[0] === undefined ? -2 : Number(rows[0].ms);
  },
  async expireIn(queue, ref, ms) {
    await postgres.query(
      `UPDATE bullmq.mailroom_attachment_content SET expires_at_ms = ${PG_NOW_MS} + $3
        WHERE queue = $1 AND ref = $2`,
      [queue, ref, ms],
    );
  },
};

const DAY = 86_400_000;

/** A queued email with a large and a small attachment, resolved as the mailer would. */
const jobWithAttachments = (subject: string, large: Uint8Array = LARGE): Promise<EmailJob> =>
  emailJobWith(
    subject,
    { content: large, filename: 'large.bin' },
    { content: SMALL, filename: 'small.bin' },
  );

describe.each([onRedis, onPostgres])('large attachments on $label', (store) => {
  beforeAll(() => store.require());

  async function queueFor(
    where = store.where,
    options: Omit<BullmqQueueOptions, keyof QueueConnectionOptions> = {},
  ): Promise<BullmqQueue> {
    const name = uniqueName('large');
    const queue = bullmqQueue({ ...where, name, backoff: { delayMs: 50 }, ...options });
    cleanup.obliterate(name, where);
    cleanup.add(() => queue.close());
    await waitUntil(() => queue.isAvailable(), 10_000, `${store.label} queue`);
    return queue;
  }

  const deliverer = (name: string, sinkOptions: SmtpSinkOptions = {}) =>
    startDeliverer(cleanup, store.where, name, sinkOptions);

  /** The attachments of the n-th received message, as sha256 of their bytes. */
  function receivedDigests(sink: Awaited<ReturnType<typeof deliverer>>['sink'], n = 0) {
    return sink.messages[n]?.parsed.attachments.map((a) => [a.filename, sha256(a.content)]);
  }
  const sentDigests = [
    ['large.bin', sha256(LARGE)],
    ['small.bin', sha256(SMALL)],
  ];

  it('stores a large attachment beside the job, delivers it byte-identical, keeps a small one inline, and deletes the content once sent', async () => {
    const queue = await queueFor();
    const job = await jobWithAttachments('Large');
    await queue.enqueue(job, enqueueOptions(job.id));

    const stored = await store.jobData(queue.name, job.id);
    expect(stored.attachments[0]).toMatchObject({
      filename: 'large.bin',
      contentRef: `${job.id}:0`,
    });
    expect(stored.attachments[0]).not.toHaveProperty('contentBase64');
    expect(stored.attachments[1]?.contentBase64).toBe(SMALL.toString('base64'));
    expect(JSON.stringify(stored).length).toBeLessThan(10_000);
    expect(await store.contentRefs(queue.name)).toEqual([`${job.id}:0`]);

    const { sink } = await deliverer(queue.name);
    await sink.waitFor(1);
    expect(receivedDigests(sink)).toEqual(sentDigests);
    await waitUntil(
      async () => (await store.contentRefs(queue.name)).length === 0,
      5000,
      'the content to be deleted',
    );
  });

  it('stores the content of a whole batch before the batch', async () => {
    const queue = await queueFor();
    const jobs = await Promise.all(['A', 'B'].map((subject) => jobWithAttachments(subject)));
    const results = await queue.enqueueMany(
      jobs.map((job) => ({ job, opts: enqueueOptions(job.id) })),
    );
    expect(results).toEqual(jobs.map((job) => ({ id: job.id })));
    expect(await store.contentRefs(queue.name)).toEqual(jobs.map((job) => `${job.id}:0`).sort());
    const { sink } = await deliverer(queue.name);
    await sink.waitFor(2);
    expect([receivedDigests(sink, 0), receivedDigests(sink, 1)]).toEqual([
      sentDigests,
      sentDigests,
    ]);
    await waitUntil(
      async () => (await store.contentRefs(queue.name)).length === 0,
      5000,
      'cleanup',
    );
  });

  it('reads the whole content again for a retry after a temporary failure (450)', async () => {
    const queue = await queueFor();
    const job = await jobWithAttachments('Greylisted');
    await queue.enqueue(job, enqueueOptions(job.id));
    const { sink, outcomes } = await deliverer(queue.name, {
      dataReply: (attempt) => (attempt === 1 ? { code: 450, message: 'Try later' } : undefined),
    });
    await sink.waitFor(1);
    expect(sink.dataAttempts).toBe(2);
    expect(receivedDigests(sink)).toEqual(sentDigests);
    await waitUntil(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'sent']);
  });

  it('fails a job whose content is gone at once, naming the attachment', async () => {
    const queue = await queueFor();
    const job = await jobWithAttachments('Expired');
    await queue.enqueue(job, enqueueOptions(job.id));
    await store.deleteContent(queue.name, `${job.id}:0`);
    const { sink, outcomes } = await deliverer(queue.name);
    await waitUntil(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      attempt: 1,
      failure: { code: 'ATTACHMENT_NOT_FOUND', permanent: true },
    });
    const failure = outcomes[0]?.status === 'failed' ? outcomes[0].failure.message : '';
    expect(failure).toMatch(
      /^attachment large\.bin: its stored content .* has expired or was deleted/,
    );
    expect(sink.dataAttempts).toBe(0);
  });

  it('deletes the content of a repeated idempotency key: the job stored first keeps its own', async () => {
    const queue = await queueFor();
    const first = await jobWithAttachments('First');
    const again = await jobWithAttachments('Again', randomBytes(LARGE.length));
    expect(await queue.enqueue(first, enqueueOptions('invoice:1'))).toEqual({ id: 'invoice%3A1' });
    expect(await queue.enqueue(again, enqueueOptions('invoice:1'))).toEqual({
      id: 'invoice%3A1',
      existing: { id: first.id, messageId: first.messageId },
    });
    expect(await store.contentRefs(queue.name)).toEqual([`${first.id}:0`]);
    const { sink } = await deliverer(queue.name);
    await sink.waitFor(1);
    expect(sink.messages[0]?.parsed.subject).toBe('First');
    expect(receivedDigests(sink)).toEqual(sentDigests);
  });

  it('deletes the content of a key repeated in one batch, which no earlier state shows', async () => {
    const queue = await queueFor();
    const first = await jobWithAttachments('First');
    const again = await jobWithAttachments('Again', randomBytes(LARGE.length));
    const results = await queue.enqueueMany(
      [first, again].map((job) => ({ job, opts: enqueueOptions('invoice:2') })),
    );
    expect(results[1]).toMatchObject({ existing: { id: first.id } });
    expect(await store.contentRefs(queue.name)).toEqual([`${first.id}:0`]);
  });

  it('refuses with QUEUE_UNAVAILABLE, storing nothing, while the datastore is away', async () => {
    const queue = bullmqQueue({ ...(await store.away()), name: uniqueName('away') });
    cleanup.add(() => queue.close());
    const job = await jobWithAttachments('Nowhere');
    const error = await queue.enqueue(job, enqueueOptions(job.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe('QUEUE_UNAVAILABLE');
    // The whole queue is down, not only this job.
    expect((error as QueueError).details?.scope).toBeUndefined();
  });

  it.each([
    ['removed within an hour', { age: 3600 }],
    ['removed at once', true],
  ] as const)(
    'keeps content a week for the workers when failed jobs are %s',
    async (_, removeOnFail) => {
      const queue = await queueFor(store.where, { removeOnFail });
      const job = await jobWithAttachments('Weekend');
      await queue.enqueue(job, enqueueOptions(job.id));
      expect(await store.expiresInMs(queue.name, `${job.id}:0`)).toBeGreaterThan(7 * DAY - 60_000);
    },
  );

  it('stores content for a job with 50 attempts, for at most a year', async () => {
    const queue = await queueFor(store.where, { attempts: 50, backoff: { delayMs: 30_000 } });
    const job = await jobWithAttachments('Persistent');
    expect(await queue.enqueue(job, enqueueOptions(job.id))).toEqual({ id: job.id });
    const expiresIn = await store.expiresInMs(queue.name, `${job.id}:0`);
    expect(expiresIn).toBeGreaterThan(364 * DAY);
    expect(expiresIn).toBeLessThanOrEqual(365 * DAY);
  });

  it('deletes the content with the queue (QueueAdmin.obliterate)', async () => {
    const queue = await queueFor();
    const jobs = await Promise.all(['A', 'B'].map((subject) => jobWithAttachments(subject)));
    for (const job of jobs) await queue.enqueue(job, enqueueOptions(job.id));
    const other = await queueFor();
    const kept = await jobWithAttachments('Other queue');
    await other.enqueue(kept, enqueueOptions(kept.id));
    expect(await store.contentRefs(queue.name)).toHaveLength(2);

    const admin = await openQueueAdmin({ ...store.where, name: queue.name });
    cleanup.add(() => admin.close());
    await admin.obliterate();
    expect(await store.contentRefs(queue.name)).toEqual([]);
    expect(await store.contentRefs(other.name)).toEqual([`${kept.id}:0`]);
  });
});

describe.each([onRedis, onPostgres])('large attachments and retry-failed on $label', (store) => {
  beforeAll(() => store.require());

  it('keeps the content of a failed job, and gives it a new life when the job is retried', async () => {
    const name = uniqueName('largefail');
    const queue = bullmqQueue({ ...store.where, name });
    cleanup.obliterate(name, store.where);
    cleanup.add(() => queue.close());
    const sink = await startSmtpSink({
      disableStartTls: true,
      dataReply: (attempt) => (attempt === 1 ? { code: 550, message: 'Rejected' } : undefined),
    });
    cleanup.add(() => sink.close());
    const backend = backendFor(sink);
    cleanup.add(() => backend.close());
    const outcomes: JobOutcome[] = [];
    const startWorker = async () => {
      const worker = await startEmailWorker({
        ...store.where,
        name,
        backend,
        onJob: (outcome) => outcomes.push(outcome),
      });
      cleanup.add(() => worker.close());
      return worker;
    };

    const job = await jobWithAttachments('Bounced');
    await queue.enqueue(job, enqueueOptions(job.id));
    const first = await startWorker();
    await waitUntil(() => outcomes.length === 1);
    expect(outcomes[0]?.status).toBe('failed');
    await first.close();
    // A failed job keeps its content, for at least a week (the failed-job retention).
    const ref = `${job.id}:0`;
    expect(await store.expiresInMs(name, ref)).toBeGreaterThan(7 * DAY);

    await store.expireIn(name, ref, 60_000);
    const admin = await openQueueAdmin({ ...store.where, name });
    cleanup.add(() => admin.close());
    expect(await admin.retryFailed()).toBe(1);
    expect(await store.expiresInMs(name, ref)).toBeGreaterThan(7 * DAY);

    await startWorker();
    await sink.waitFor(1);
    expect(sink.messages[0]?.parsed.attachments[0]?.content.equals(LARGE)).toBe(true);
    await waitUntil(
      async () => (await store.contentRefs(name)).length === 0,
      5000,
      'the content to be deleted',
    );
  });
});
