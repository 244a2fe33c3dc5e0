import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { smtpBackend } from '@mailroom/backend-smtp';
import {
  type AddressListInput,
  type AttachmentInput,
  type EmailJob,
  type EmailPriority,
  type EnqueueOptions,
  QueueError,
  resolveMessage,
  toEmailJob,
} from '@mailroom/core';
import {
  type BullmqQueue,
  type JobOutcome,
  openQueueAdmin,
  type QueueConnectionOptions,
  startEmailWorker,
} from '@mailroom/queue-bullmq';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '@mailroom/testkit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';

/** The machine's Redis and PostgreSQL, which these tests require. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Fails loudly (never skips) when the machine's Redis is not there. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`these tests need Redis at ${REDIS_URL}: ${String(error)}`);
  } finally {
    client.disconnect();
  }
}

/** Fails loudly (never skips) when the machine's PostgreSQL is not there. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`these tests need PostgreSQL at ${POSTGRES_URL}: ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A queue name no other test uses. */
export const uniqueName = (label: string): string =>
  `test-${label}-${randomBytes(4).toString('hex')}`;

/** A queued email, resolved as the mailer would. */
export async function emailJob(
  subject = 'Hello',
  to: AddressListInput = 'rcpt@example.com',
): Promise<EmailJob> {
  return toEmailJob(
    await resolveMessage({
      from: 'Sender <sender@example.com>',
      to,
      subject,
      text: `Body of ${subject}`,
    }),
  );
}

/** A queued email with `attachments`, resolved as the mailer would. */
export async function emailJobWith(
  subject: string,
  ...attachments: AttachmentInput[]
): Promise<EmailJob> {
  return toEmailJob(
    await resolveMessage({
      from: 'Sender <sender@example.com>',
      to: 'rcpt@example.com',
      subject,
      text: `Body of ${subject}`,
      attachments,
    }),
  );
}

/** The `QueueError` that `promise` rejects with; throws when it does anything else. */
export async function queueErrorOf(promise: Promise<unknown>): Promise<QueueError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof QueueError) return error;
    throw error;
  }
  throw new Error('expected a QueueError');
}

/** Enqueue options with defaults. */
export const enqueueOptions = (
  jobId: string,
  extra: { priority?: EmailPriority; delayMs?: number } = {},
): EnqueueOptions => ({ jobId, priority: 'normal', delayMs: 0, ...extra });

/** An SMTP backend pointed at the test sink. */
export const backendFor = (sink: SmtpSink) =>
  smtpBackend({
    host: sink.host,
    port: sink.port,
    tls: { rejectUnauthorized: false },
    connectionTimeoutMs: 2000,
  });

/** The sink's SMTP URL, for child processes. */
export const smtpUrlFor = (sink: { host: string; port: number }): string =>
  `smtp://${sink.host}:${sink.port}?rejectUnauthorized=false`;

/** Things to close after each test, closed last-opened first. */
export class Cleanup {
  readonly #steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }

  /** Registers a queue to delete with all its jobs. */
  obliterate(name: string, where: QueueConnectionOptions): void {
    this.add(async () => {
      const admin = await openQueueAdmin({ name, ...where });
      await admin.obliterate();
      await admin.close();
    });
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) await step();
  }
}

/**
 * A sink and an email worker on queue `name` in `where`, recording each job's outcome;
 * both are closed by `cleanup`.
 */
export async function startDeliverer(
  cleanup: Cleanup,
  where: QueueConnectionOptions,
  name: string,
  sinkOptions: SmtpSinkOptions = {},
  concurrency?: number,
) {
  const sink = await startSmtpSink({ disableStartTls: true, ...sinkOptions });
  const backend = backendFor(sink);
  const outcomes: JobOutcome[] = [];
  const worker = await startEmailWorker({
    ...where,
    name,
    backend,
    ...(concurrency === undefined ? {} : { concurrency }),
    onJob: (outcome) => outcomes.push(outcome),
  });
  cleanup.add(() => sink.close());
  cleanup.add(() => backend.close());
  cleanup.add(() => worker.close());
  return { sink, worker, outcomes };
}

/** Polls until `check` is true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A throwaway redis-server, for tests that stop or kill Redis. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the server and waits until it answers. */
  start(): Promise<void>;
  /** Kills the server and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays open but nothing answers. */
  pause(): void;
  resume(): void;
}

/** Starts a private `redis-server` on a free port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      const started = child;
      const failed = new Promise<never>((_, reject) => {
        started.once('error', (error) =>
          reject(new Error(`cannot start redis-server: ${error.message}`)),
        );
      });
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await Promise.race([
          failed,
          waitUntil(
            async () => {
              try {
                if (probe.status !== 'ready') await probe.connect();
                return (await probe.ping()) === 'PONG';
              } catch {
                return false;
              }
            },
            5000,
            'redis-server to start',
          ),
        ]);
      } finally {
        probe.disconnect();
      }
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  await redis.start();
  return redis;
}

/** Output lines of a child process, collected as they come. */
export interface ChildLines {
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

/** Collects a child's stdout lines and its exit code. */
export function collectLines(child: ChildProcess): ChildLines {
  const lines: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { lines, exited };
}

/**
 * A TCP relay to a local port that closes the far side cleanly when a client dies.
 * A worker killed mid-message resets its SMTP connections, and the test sink (which
 * has no 'error' listener) would turn that reset into an uncaught exception in the
 * test process; through the relay the sink only sees a connection that closed.
 */
export async function startRelay(
  targetPort: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.end());
    client.on('close', () => upstream.end());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends one idempotency key twice at once, and another twice in one batch: each time
 * one job is stored, and the other result names its email as `existing`.
 */
export async function expectRepeatedKeysNamed(queue: BullmqQueue): Promise<void> {
  const [a, b, c, d] = await Promise.all(['A', 'B', 'C', 'D'].map((n) => emailJob(`Key ${n}`)));
  const named = (job: EmailJob) => ({ id: job.id, messageId: job.messageId });
  const raced = await Promise.all(
    [a, b].map((job) => queue.enqueue(job as EmailJob, enqueueOptions('race:1'))),
  );
  expect(raced.map((result) => result.id)).toEqual(['race%3A1', 'race%3A1']);
  const [first, second] = raced.map((result) => result.existing);
  expect(first === undefined ? second : first).toEqual(
    first === undefined ? named(a as EmailJob) : named(b as EmailJob),
  );
  expect([first, second].filter((existing) => existing === undefined)).toHaveLength(1);
  const batch = await queue.enqueueMany(
    [c, d].map((job) => ({ job: job as EmailJob, opts: enqueueOptions('batch:1') })),
  );
  expect(batch).toEqual([{ id: 'batch%3A1' }, { id: 'batch%3A1', existing: named(c as EmailJob) }]);
}
