import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bullmqQueue, openQueueAdmin } from '@mailroom/queue-bullmq';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '@mailroom/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildLines,
  Cleanup,
  collectLines,
  emailJob,
  enqueueOptions,
  REDIS_URL,
  requireRedis,
  smtpUrlFor,
  startPrivateRedis,
  startRelay,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requireRedis);

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

async function sinkWith(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = await startSmtpSink({ disableStartTls: true, ...options });
  cleanup.add(() => sink.close());
  return sink;
}

/** Spawns a node process and kills it after the test if it is still running. */
function spawnNode(args: string[], env: Record<string, string>): ChildProcess & ChildLines {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const collected = collectLines(child);
  cleanup.add(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await collected.exited;
    }
  });
  return Object.assign(child, collected);
}

function startWorkerProcess(queue: string, smtp: { host: string; port: number }, lockMs?: number) {
  const child = spawnNode([WORKER_SCRIPT], {
    QUEUE: queue,
    REDIS_URL,
    SMTP_URL: smtpUrlFor(smtp),
    ...(lockMs === undefined ? {} : { LOCK_MS: String(lockMs) }),
  });
  return child;
}

/** Enqueues `count` distinct emails and returns their Message-IDs. */
async function enqueueMany(name: string, count: number, subject = 'Batch'): Promise<string[]> {
  const queue = bullmqQueue({ url: REDIS_URL, name });
  cleanup.obliterate(name, { url: REDIS_URL });
  try {
    const jobs = await Promise.all(
      Array.from({ length: count }, (_, n) => emailJob(`${subject} ${n + 1}`)),
    );
    for (let start = 0; start < jobs.length; start += 50) {
      await Promise.all(
        jobs.slice(start, start + 50).map((job) => queue.enqueue(job, enqueueOptions(job.id))),
      );
    }
    return jobs.map((job) => job.messageId);
  } finally {
    await queue.close();
  }
}

const messageIds = (sink: SmtpSink): string[] => sink.messages.map((m) => m.parsed.messageId ?? '');

describe('worker processes', () => {
  it('delivers all 200 jobs after a worker is killed with SIGKILL mid-batch', async () => {
    const name = uniqueName('crash');
    const sent = await enqueueMany(name, 200);
    const sink = await sinkWith({ dataDelayMs: 15 });
    const relay = await startRelay(sink.port);
    cleanup.add(() => relay.close());
    const first = startWorkerProcess(name, { host: sink.host, port: relay.port }, 1000);
    await waitUntil(() => sink.messages.length >= 40, 15_000, '40 deliveries');
    first.kill('SIGKILL');
    await first.exited;
    const beforeCrash = sink.messages.length;
    expect(beforeCrash).toBeLessThan(200);

    // Jobs the dead worker held stay locked until their lock expires, then a live
    // worker's stalled check puts them back in line.
    startWorkerProcess(name, sink, 1000);
    await waitUntil(
      () => new Set(messageIds(sink)).size === 200,
      20_000,
      'every Message-ID at the sink',
    );
    expect(new Set(messageIds(sink))).toEqual(new Set(sent));
  }, 40_000);

  it('shares one queue between two worker processes, delivering 500 jobs once each', async () => {
    const name = uniqueName('scale');
    const sink = await sinkWith();
    const workers = [startWorkerProcess(name, sink), startWorkerProcess(name, sink)];
    await waitUntil(() => workers.every((w) => w.lines.includes('ready')), 10_000, 'workers');
    const sent = await enqueueMany(name, 500);
    await sink.waitFor(500, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = messageIds(sink);
    expect(received).toHaveLength(500);
    expect(new Set(received)).toEqual(new Set(sent));
    const perWorker = workers.map((w) => w.lines.filter((line) => line.startsWith('sent ')).length);
    expect(perWorker[0]).toBeGreaterThan(0);
    expect(perWorker[1]).toBeGreaterThan(0);
    expect((perWorker[0] ?? 0) + (perWorker[1] ?? 0)).toBe(500);
    for (const worker of workers) worker.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  }, 40_000);

  it('mailroom-worker finishes the jobs in flight on SIGTERM, then exits 0', async () => {
    const name = uniqueName('sigterm');
    await enqueueMany(name, 8, 'Slow');
    const sink = await sinkWith({ dataDelayMs: 1500 });
    const cli = spawnNode([CLI, 'run', '--queue', name, '--concurrency', '4'], {
      REDIS_URL,
      MAIL_BACKEND: 'smtp',
      SMTP_URL: smtpUrlFor(sink),
    });
    // Four messages are at the server, each waiting 1.5 s for its reply.
    await waitUntil(() => sink.dataAttempts >= 4, 10_000, 'four jobs in flight');
    expect(sink.messages).toHaveLength(0);
    cli.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(sink.messages).toHaveLength(4);
    expect(cli.lines.filter((line) => line.startsWith('sent '))).toHaveLength(4);

    const admin = await openQueueAdmin({ url: REDIS_URL, name });
    try {
      expect(await admin.counts()).toMatchObject({
        waiting: 4,
        active: 0,
        completed: 4,
        failed: 0,
      });
    } finally {
      await admin.close();
    }
  }, 30_000);

  it('mailroom-worker still exits promptly on SIGTERM while Redis is down', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const sink = await sinkWith();
    const cli = spawnNode([CLI, 'run'], {
      REDIS_URL: redis.url,
      MAIL_BACKEND: 'smtp',
      SMTP_URL: smtpUrlFor(sink),
    });
    // Started (its signal handlers in place) once it has delivered a job: a fixed wait
    // was too short on a loaded machine, and the signal then killed it unhandled.
    const queue = bullmqQueue({ url: redis.url });
    cleanup.add(() => queue.close());
    const job = await emailJob('Before the outage');
    await queue.enqueue(job, enqueueOptions(job.id));
    await sink.waitFor(1);
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    cli.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 20_000);
});
