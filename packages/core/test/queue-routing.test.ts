import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  createMailer,
  type EmailJob,
  type EnqueueOptions,
  fromEmailJob,
  type MailerEvents,
  type QueueAdapter,
  QueueError,
  resolveMessage,
  toEmailJob,
} from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * A third-party style adapter whose behaviour each test scripts. `available` gets the
 * number of checks before this one; `checks` counts them.
 */
function scriptedQueue(script: {
  available?: (check: number) => Promise<boolean>;
  enqueue?: (job: EmailJob, opts: EnqueueOptions) => Promise<{ id: string }>;
  allowFallback?: boolean;
  probeTimeoutMs?: number;
  starting?: () => boolean;
}): QueueAdapter & { jobs: Array<[EmailJob, EnqueueOptions]>; checks: number } {
  const jobs: Array<[EmailJob, EnqueueOptions]> = [];
  const available = script.available ?? (async () => true);
  const queue = {
    name: 'scripted',
    jobs,
    checks: 0,
    ...(script.allowFallback === undefined ? {} : { allowFallback: script.allowFallback }),
    ...(script.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: script.probeTimeoutMs }),
    ...(script.starting === undefined ? {} : { isStarting: script.starting }),
    isAvailable: () => available(queue.checks++),
    enqueue:
      script.enqueue ??
      (async (job, opts) => {
        jobs.push([job, opts]);
        return { id: opts.jobId };
      }),
    close: async () => undefined,
  };
  return queue;
}

const email = { to: 'a@example.com', subject: 'Hi', text: 'Hello' };

/** Polls until `check` holds; fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function setup(queue: QueueAdapter | false) {
  const backend = testBackend();
  const mailer = createMailer({ from: 'app@example.com', backend, queue });
  const fallbacks: Array<MailerEvents['fallback']> = [];
  mailer.on('fallback', (payload) => fallbacks.push(payload));
  return { backend, mailer, fallbacks };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('queue routing', () => {
  it('queues when the adapter is available, with job options from the call', async () => {
    const queue = scriptedQueue({});
    const { mailer, backend } = setup(queue);
    const result = await mailer.send({
      ...email,
      priority: 'high',
      delay: 5000,
      idempotencyKey: 'k-1',
    });
    expect(result).toMatchObject({
      ok: true,
      status: 'queued',
      mode: 'queue',
      queue: 'scripted',
      jobId: 'k-1',
      id: queue.jobs[0]?.[0].id,
    });
    expect(backend.sent).toHaveLength(0);
    const [[job, opts] = []] = queue.jobs;
    expect(opts).toEqual({ jobId: 'k-1', priority: 'high', delayMs: 5000 });
    expect(job?.messageId).toBe(result.messageId);
  });

  it('falls back to synchronous delivery within the probe timeout when the queue hangs, then answers from cache', async () => {
    const queue = scriptedQueue({ available: () => new Promise<boolean>(() => undefined) });
    const { mailer, backend, fallbacks } = setup(queue);
    let started = Date.now();
    const first = await mailer.send(email);
    const firstMs = Date.now() - started;
    started = Date.now();
    const second = await mailer.send(email);
    const secondMs = Date.now() - started;
    expect(first).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(second).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(firstMs).toBeLessThan(1000);
    expect(secondMs).toBeLessThan(firstMs);
    expect(backend.sent).toHaveLength(2);
    expect(fallbacks.map((f) => f.queue)).toEqual(['scripted', 'scripted']);
    expect(fallbacks[0]?.reason).toMatch(/no answer within/);
  });

  it('uses the queue again once it comes back', async () => {
    let up = false;
    const queue = scriptedQueue({ available: async () => up });
    const { mailer } = setup(queue);
    expect(await mailer.send(email)).toMatchObject({ mode: 'sync' });
    up = true;
    // Re-checked in the background about a second later.
    await until(() => queue.checks === 2);
    expect(await mailer.send(email)).toMatchObject({ mode: 'queue', status: 'queued' });
  });

  it('while the queue is down, sends that may fall back never wait on a re-check that hangs', async () => {
    const answers: Array<() => Promise<boolean>> = [
      async () => false,
      () => new Promise<boolean>(() => undefined),
    ];
    const queue = scriptedQueue({
      available: (check) =>
        (answers[Math.min(check, answers.length - 1)] as () => Promise<boolean>)(),
    });
    const { mailer, backend, fallbacks } = setup(queue);
    cleanups.push(() => mailer.close());
    expect(await mailer.send(email)).toMatchObject({ mode: 'sync' });
    // The answer expires after 1 s; the queue is re-checked in the background and hangs.
    await until(() => queue.checks === 2);
    expect(await mailer.send(email)).toMatchObject({ mode: 'sync' });
    // Answered from the known "down", not by waiting out the hanging re-check.
    expect(fallbacks.map((f) => f.reason)).toEqual([
      'the queue reports it is down',
      'the queue reports it is down',
    ]);
    expect(queue.checks).toBe(2);
    expect(backend.sent).toHaveLength(2);
  });

  it('a send that must not fall back waits for the re-check instead of an expired "down"', async () => {
    let release: (up: boolean) => void = () => undefined;
    const queue = scriptedQueue({
      available: (check) =>
        check === 0 ? Promise.resolve(false) : new Promise<boolean>((r) => (release = r)),
    });
    const { mailer, backend } = setup(queue);
    cleanups.push(() => mailer.close());
    expect(await mailer.send(email)).toMatchObject({ mode: 'sync' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const keyed = mailer.send({ ...email, idempotencyKey: 'order-8' });
    const plain = await mailer.send(email);
    expect(plain).toMatchObject({ mode: 'sync' });
    release(true);
    expect(await keyed).toMatchObject({ mode: 'queue', status: 'queued', jobId: 'order-8' });
    expect(backend.sent).toHaveLength(2);
    expect(queue.jobs).toHaveLength(1);
  });

  it("waits for the availability answer as long as the adapter's probeTimeoutMs", async () => {
    const slow = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300));
    const patient = setup(scriptedQueue({ available: slow, probeTimeoutMs: 1000 }));
    cleanups.push(() => patient.mailer.close());
    expect(await patient.mailer.send(email)).toMatchObject({ mode: 'queue', status: 'queued' });
    expect(patient.fallbacks).toEqual([]);
    // Without it, the default of 200 ms: the same queue is taken as down.
    const hasty = setup(scriptedQueue({ available: slow }));
    cleanups.push(() => hasty.mailer.close());
    expect(await hasty.mailer.send(email)).toMatchObject({ mode: 'sync' });
    expect(hasty.fallbacks[0]?.reason).toBe('no answer within 200 ms');
  });

  it('a send that cannot fall back waits for a queue that says it is still starting', async () => {
    // Connecting for 300 ms, as a first connection or migration may.
    let started = false;
    const timer = setTimeout(() => {
      started = true;
    }, 300);
    cleanups.push(async () => clearTimeout(timer));
    const queue = scriptedQueue({ available: async () => started, starting: () => !started });
    const { mailer, backend, fallbacks } = setup(queue);
    cleanups.push(() => mailer.close());
    const [plain, background, keyed] = await Promise.all([
      mailer.send(email),
      mailer.send({ ...email, background: true }),
      mailer.send({ ...email, idempotencyKey: 'order-9' }),
    ]);
    // A send that may fall back does not wait: it is delivered at once.
    expect(plain).toMatchObject({ mode: 'sync', status: 'sent' });
    expect(fallbacks).toHaveLength(1);
    expect(background).toMatchObject({ mode: 'queue', status: 'queued' });
    expect(keyed).toMatchObject({ mode: 'queue', status: 'queued', jobId: 'order-9' });
    // One check before, one after: the waiting sends share both.
    expect(queue.checks).toBe(2);
    expect(backend.sent).toHaveLength(1);
    expect(queue.jobs).toHaveLength(2);
  });

  it('a queue that is down without saying it is starting is not waited for', async () => {
    const queue = scriptedQueue({ available: async () => false, starting: () => false });
    const { mailer, backend } = setup(queue);
    cleanups.push(() => mailer.close());
    await expect(mailer.send({ ...email, background: true })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    expect(queue.checks).toBe(1);
    expect(backend.sent).toHaveLength(0);
  });

  it('close() ends the wait for a starting queue: the waiting send is refused, close does not wait 3 s', async () => {
    const queue = scriptedQueue({ available: async () => false, starting: () => true });
    const { mailer, backend } = setup(queue);
    const waiting = mailer.send({ ...email, background: true });
    const outcome = waiting.then(
      () => 'sent',
      (error: QueueError) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = performance.now();
    await mailer.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(await outcome).toBe('QUEUE_UNAVAILABLE');
    expect(backend.sent).toHaveLength(0);
  });

  it('a queue that was up and went down is not waited for: a send that cannot fall back fails at once', async () => {
    let up = true;
    const queue = scriptedQueue({
      available: async () => up,
      enqueue: async (_job, opts) => {
        if (up) return { id: opts.jobId };
        throw new QueueError('QUEUE_UNAVAILABLE', 'connection is closed');
      },
    });
    const { mailer, backend } = setup(queue);
    cleanups.push(() => mailer.close());
    expect(await mailer.send(email)).toMatchObject({ mode: 'queue' });
    up = false;
    // The enqueue finds the queue down, marks it so and delivers directly.
    expect(await mailer.send(email)).toMatchObject({ mode: 'sync' });
    const checksBefore = queue.checks;
    await expect(mailer.send({ ...email, background: true })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    expect(queue.checks).toBe(checksBefore);
    expect(backend.sent).toHaveLength(1);
  });

  it('stops re-checking a down queue once the mailer is closed', async () => {
    const queue = scriptedQueue({ available: async () => false });
    const { mailer } = setup(queue);
    await mailer.send(email);
    await until(() => queue.checks === 2);
    await mailer.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(queue.checks).toBe(2);
  });

  it('refuses to fall back when the adapter says so: QUEUE_UNAVAILABLE and nothing sent', async () => {
    const queue = scriptedQueue({ available: async () => false, allowFallback: false });
    const { mailer, backend } = setup(queue);
    await expect(mailer.send(email)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(backend.sent).toHaveLength(0);
  });

  it('background: true insists on the queue; background: false skips it', async () => {
    const down = setup(scriptedQueue({ available: async () => false }));
    await expect(down.mailer.send({ ...email, background: true })).rejects.toBeInstanceOf(
      QueueError,
    );
    expect(down.backend.sent).toHaveLength(0);
    const none = setup(false);
    await expect(none.mailer.send({ ...email, background: true })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    const up = setup(scriptedQueue({}));
    expect(await up.mailer.send({ ...email, background: false })).toMatchObject({
      mode: 'sync',
      status: 'sent',
    });
  });

  it('delivers synchronously when enqueue proves the job never reached the queue', async () => {
    const queue = scriptedQueue({
      enqueue: async () => {
        throw new QueueError('QUEUE_UNAVAILABLE', 'connection is closed');
      },
    });
    const { mailer, backend, fallbacks } = setup(queue);
    expect(await mailer.send(email)).toMatchObject({ ok: true, mode: 'sync' });
    expect(backend.sent).toHaveLength(1);
    expect(fallbacks[0]?.reason).toContain('connection is closed');
  });

  it('never delivers synchronously after an enqueue that may have reached the queue', async () => {
    const queue = scriptedQueue({
      enqueue: async () => {
        throw new Error('Command timed out');
      },
    });
    const { mailer, backend } = setup(queue);
    const result = await mailer.send({ ...email, failSilently: true });
    expect(result).toMatchObject({
      ok: false,
      mode: 'queue',
      error: { code: 'QUEUE_ENQUEUE_FAILED' },
    });
    expect(backend.sent).toHaveLength(0);
  });

  it('never falls back with an idempotency key: the queue may already hold an earlier call', async () => {
    const { mailer, backend } = setup(scriptedQueue({ available: async () => false }));
    await expect(mailer.send({ ...email, idempotencyKey: 'order-7' })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    expect(backend.sent).toHaveLength(0);
  });

  it('never sends a delayed email now: without a queue the delay is refused', async () => {
    const none = setup(false);
    await expect(none.mailer.send({ ...email, delay: 60_000 })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    const down = setup(scriptedQueue({ available: async () => false }));
    await expect(
      down.mailer.send({ ...email, delay: new Date(Date.now() + 60_000) }),
    ).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    expect(none.backend.sent).toHaveLength(0);
    expect(down.backend.sent).toHaveLength(0);
  });

  it('treats an adapter whose availability check throws as down, every time', async () => {
    const queue = scriptedQueue({
      available: () => {
        throw new Error('boom');
      },
    });
    const { mailer, backend, fallbacks } = setup(queue);
    expect(await mailer.send(email)).toMatchObject({ ok: true, mode: 'sync' });
    expect(await mailer.send(email)).toMatchObject({ ok: true, mode: 'sync' });
    expect(backend.sent).toHaveLength(2);
    expect(fallbacks[0]?.reason).toContain('boom');
  });

  it('falls back for one refused job without marking the whole queue down', async () => {
    const queue = scriptedQueue({});
    const adapter: QueueAdapter = {
      ...queue,
      enqueue: async (job, opts) => {
        if (job.subject === 'Huge') {
          throw new QueueError('QUEUE_UNAVAILABLE', 'job too large', { details: { scope: 'job' } });
        }
        return queue.enqueue(job, opts);
      },
    };
    const { mailer, backend } = setup(adapter);
    expect(await mailer.send({ ...email, subject: 'Huge' })).toMatchObject({
      mode: 'sync',
      status: 'sent',
    });
    expect(await mailer.send(email)).toMatchObject({ mode: 'queue', status: 'queued' });
    expect(backend.sent.map((m) => m.subject)).toEqual(['Huge']);
  });

  it('close() waits for sends already under way', async () => {
    let release: () => void = () => undefined;
    const backend = testBackend({
      onSend: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    const mailer = createMailer({ from: 'app@example.com', backend, queue: false });
    const sending = mailer.send(email);
    await new Promise((resolve) => setTimeout(resolve, 20));
    let closed = false;
    const closing = mailer.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await sending).toMatchObject({ ok: true, status: 'sent' });
  });

  it.each([
    [{ delay: 1000, background: false }, 'delay'],
    [{ priority: 'urgent' }, 'priority'],
    [{ delay: -1 }, 'delay'],
    [{ delay: new Date('nope') }, 'delay'],
    [{ idempotencyKey: '' }, 'idempotencyKey'],
    [{ background: 'yes' }, 'background'],
  ])('rejects %o before queueing anything', async (extra, field) => {
    const queue = scriptedQueue({});
    const { mailer } = setup(queue);
    await expect(mailer.send({ ...email, ...(extra as object) })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field },
    });
    expect(queue.jobs).toHaveLength(0);
  });
});

describe('sendMany onto a queue that takes batches', () => {
  function batchingQueue(fail?: () => Error) {
    const queue = scriptedQueue({});
    const batches: number[] = [];
    const adapter: QueueAdapter = {
      ...queue,
      enqueueMany: async (items) => {
        if (fail) throw fail();
        batches.push(items.length);
        return items.map(({ opts }) => ({ id: opts.jobId }));
      },
    };
    return { adapter, batches, singles: queue.jobs };
  }

  it('stores emails in batches of 500 and reports each outcome in order', async () => {
    const { adapter, batches, singles } = batchingQueue();
    const { mailer, backend } = setup(adapter);
    const inputs = Array.from({ length: 1200 }, (_, i) => ({
      ...email,
      to: i === 3 ? 'bad' : `u${i}@example.com`,
    }));
    const results = await mailer.sendMany(inputs, { concurrency: 20 });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1199);
    expect(Math.max(...batches)).toBeLessThanOrEqual(500);
    expect(singles).toHaveLength(0);
    expect(backend.sent).toHaveLength(0);
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'INVALID_ADDRESS' } });
    expect(results.filter((r) => r.ok && r.status === 'queued')).toHaveLength(1199);
    expect(results.every((r) => r.ok === false || r.jobId === r.id)).toBe(true);
  });

  it('delivers a batch directly when the queue proves it stored none of it', async () => {
    const { adapter } = batchingQueue(
      () => new QueueError('QUEUE_UNAVAILABLE', 'connection is closed'),
    );
    const { mailer, backend } = setup(adapter);
    const results = await mailer.sendMany(Array.from({ length: 5 }, () => email));
    expect(results.map((r) => r.ok && r.mode)).toEqual(Array(5).fill('sync'));
    expect(backend.sent).toHaveLength(5);
  });

  it('never delivers a batch directly after an enqueue that may have stored it', async () => {
    const { adapter } = batchingQueue(() => new Error('Command timed out'));
    const { mailer, backend } = setup(adapter);
    const results = await mailer.sendMany(Array.from({ length: 5 }, () => email));
    expect(results.map((r) => !r.ok && r.error.code)).toEqual(
      Array(5).fill('QUEUE_ENQUEUE_FAILED'),
    );
    expect(backend.sent).toHaveLength(0);
  });
});

describe('email job payload', () => {
  it('is plain JSON with base64 attachments and round-trips to the same message', async () => {
    const message = await resolveMessage({
      from: 'app@example.com',
      to: 'Alice <alice@example.com>',
      bcc: 'b@example.com',
      subject: 'S',
      html: '<p>Hi</p>',
      attachments: [{ filename: 'a.bin', content: new Uint8Array([0, 1, 2, 255]) }],
    });
    const json = JSON.stringify(await toEmailJob(message));
    expect(json).toContain('"contentBase64":"AAEC/w=="');
    expect(json).toContain('"v":1');
    const back = fromEmailJob(JSON.parse(json));
    expect(back).toEqual({
      ...message,
      attachments: [
        {
          ...message.attachments[0],
          source: { kind: 'bytes', bytes: Buffer.from([0, 1, 2, 255]) },
        },
      ],
    });
  });

  it('carries a file attachment as base64, no more than the size checked at resolution', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailroom-job-'));
    const file = join(dir, 'report.txt');
    await writeFile(file, 'checked content');
    const message = await resolveMessage({
      from: 'app@example.com',
      to: 'a@example.com',
      subject: 'S',
      text: 'T',
      attachments: [file],
    });
    await appendFile(file, ' and bytes appended after the check');
    const job = await toEmailJob(message);
    expect(Buffer.from(job.attachments[0]?.contentBase64 ?? '', 'base64').toString()).toBe(
      'checked content',
    );
    expect(job.attachments[0]).toMatchObject({ filename: 'report.txt', size: 15 });
    await rm(dir, { recursive: true });
  });

  it('refuses an unknown version', () => {
    expect(() => fromEmailJob({ v: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

/**
 * Sends two emails with `createMailer` in auto mode and REDIS_URL set, from a copy of core's build beside
 * its own dependencies only, in a directory whose node_modules holds `installed`
 * (files by path): core resolves the adapter entry by name from itself, then from the
 * app's directory, and in this workspace both would find the real package.
 */
async function autoModeWith(installed: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'mailroom-auto-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  await cp(join(packageDir, 'dist'), join(dir, 'core', 'dist'), { recursive: true });
  await cp(join(packageDir, 'package.json'), join(dir, 'core', 'package.json'));
  await symlink(join(packageDir, 'node_modules'), join(dir, 'core', 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(installed)) {
    await mkdir(dirname(join(dir, 'node_modules', path)), { recursive: true });
    await writeFile(join(dir, 'node_modules', path), text);
  }
  const core = pathToFileURL(join(dir, 'core', 'dist', 'index.js')).href;
  const testing = pathToFileURL(join(dir, 'core', 'dist', 'testing', 'index.js')).href;
  const script = `
    const { createMailer } = await import(${JSON.stringify(core)});
    const { testBackend } = await import(${JSON.stringify(testing)});
    const mailer = createMailer({ from: 'app@example.com', backend: testBackend() });
    const fallbacks = [];
    mailer.on('fallback', (event) => fallbacks.push(event));
    const results = [];
    for (let i = 0; i < 2; i++) {
      const result = await mailer.send({ to: 'a@example.com', subject: 'Hi', text: 'x' });
      results.push({ mode: result.mode, status: result.status, queue: result.queue });
    }
    await mailer.close();
    console.log(JSON.stringify({ results, fallbacks }));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: dir, env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' }, timeout: 20_000 },
  );
  return JSON.parse(stdout) as unknown;
}

/**
 * A stand-in adapter module: loads in `loadMs`; `isAvailable` answers true after
 * `answerMs`, or never (null) while holding a timer, as a hung socket would.
 */
function fakeAdapterModule({
  loadMs,
  answerMs,
}: {
  loadMs: number;
  answerMs: number | null;
}): string {
  const answer = answerMs === null ? 'later(60_000, false)' : `later(${answerMs}, true)`;
  return `await new Promise((resolve) => setTimeout(resolve, ${loadMs}));
    const timers = new Set();
    const later = (ms, value) => new Promise((resolve) => {
      timers.add(setTimeout(() => resolve(value), ms));
    });
    export function bullmqQueueFromEnv() {
      return {
        name: 'fake',
        isAvailable: () => ${answer},
        enqueue: async (job, opts) => ({ id: opts.jobId }),
        close: async () => timers.forEach(clearTimeout),
      };
    }`;
}

/** A package with the `./queue` entry core loads. */
function withQueueEntry(module: string): Record<string, string> {
  return {
    '@mailroom/queue-bullmq/package.json': JSON.stringify({
      name: '@mailroom/queue-bullmq',
      type: 'module',
      exports: { '.': './index.js', './queue': './queue.js' },
    }),
    '@mailroom/queue-bullmq/index.js': 'export {};',
    '@mailroom/queue-bullmq/queue.js': module,
  };
}

describe("queue: 'auto' and the @mailroom/queue-bullmq package", () => {
  it('delivers synchronously and says the package is missing when REDIS_URL is set', async () => {
    const reason = 'REDIS_URL is set but @mailroom/queue-bullmq is not installed';
    expect(await autoModeWith({})).toEqual({
      results: [
        { mode: 'sync', status: 'sent' },
        { mode: 'sync', status: 'sent' },
      ],
      fallbacks: [
        expect.objectContaining({ queue: 'auto', reason }),
        expect.objectContaining({ reason }),
      ],
    });
  });

  it('uses the root entry of a release without the ./queue entry', async () => {
    const older = {
      '@mailroom/queue-bullmq/package.json': JSON.stringify({
        name: '@mailroom/queue-bullmq',
        type: 'module',
        exports: { '.': './index.js' },
      }),
      '@mailroom/queue-bullmq/index.js': fakeAdapterModule({ loadMs: 0, answerMs: 0 }),
    };
    const queued = { mode: 'queue', status: 'queued', queue: 'fake' };
    expect(await autoModeWith(older)).toEqual({ results: [queued, queued], fallbacks: [] });
  });

  // The probe's 200 ms cover loading the adapter and its answer together, for a send
  // that may fall back; the check goes on, and its answer serves the next send.
  it.each([
    [
      'loads in 300 ms, answers 30 ms later',
      300,
      30,
      { mode: 'queue', status: 'queued', queue: 'fake' },
    ],
    ['loads in 120 ms, never answers', 120, null, { mode: 'sync', status: 'sent' }],
  ])(
    'an adapter that %s: the first send goes directly within the budget',
    async (_, loadMs, answerMs, second) => {
      const result = await autoModeWith(withQueueEntry(fakeAdapterModule({ loadMs, answerMs })));
      expect(result).toEqual({
        results: [{ mode: 'sync', status: 'sent' }, second],
        fallbacks: expect.arrayContaining([
          expect.objectContaining({
            queue: 'fake',
            reason: expect.stringMatching(
              /^no answer within 200 ms, loading the queue included \(\d+ ms\)$/,
            ),
          }),
        ]),
      });
    },
  );
});
