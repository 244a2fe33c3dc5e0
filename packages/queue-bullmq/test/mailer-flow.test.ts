import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer, type Mailer, type MailerEvents } from '@mailroom/core';
import { bullmqQueue, type QueueConnectionOptions, startEmailWorker } from '@mailroom/queue-bullmq';
import { type SmtpSink, startSmtpSink } from '@mailroom/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendFor,
  Cleanup,
  freePort,
  POSTGRES_URL,
  requirePostgres,
  startPrivateRedis,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requirePostgres);

const email = (subject: string) => ({ to: 'user@example.com', subject, text: `About ${subject}` });

/** A mailer whose queue is `where`, delivering synchronously to `sink` as a fallback. */
function mailerWith(sink: SmtpSink, where: QueueConnectionOptions, name: string) {
  const queue = bullmqQueue({ ...where, name });
  const mailer: Mailer = createMailer({
    from: 'App <app@example.com>',
    backend: smtpBackend({ host: sink.host, port: sink.port, tls: { rejectUnauthorized: false } }),
    queue,
  });
  const fallbacks: Array<MailerEvents['fallback']> = [];
  mailer.on('fallback', (event) => fallbacks.push(event));
  cleanup.add(() => mailer.close());
  return { mailer, queue, fallbacks };
}

async function workerFor(sink: SmtpSink, where: QueueConnectionOptions, name: string) {
  const backend = backendFor(sink);
  const worker = await startEmailWorker({ ...where, name, backend, onError: () => undefined });
  cleanup.add(() => backend.close());
  cleanup.add(() => worker.close());
}

async function timedSend(mailer: Mailer, subject: string) {
  const started = performance.now();
  const result = await mailer.send(email(subject));
  return { result, ms: performance.now() - started };
}

describe('sendEmail through the BullMQ queue', () => {
  it('queues while Redis is up, delivers synchronously at once while it is down, queues again when it is back', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const name = uniqueName('flow');
    const { mailer, queue, fallbacks } = mailerWith(sink, { url: redis.url }, name);
    await workerFor(sink, { url: redis.url }, name);

    const up = await mailer.send(email('Queued'));
    expect(up).toMatchObject({ ok: true, status: 'queued', mode: 'queue', queue: name });
    await sink.waitFor(1);

    await redis.kill();
    await waitUntil(async () => !(await queue.isAvailable()), 2000, 'Redis to be seen down');
    const down = await timedSend(mailer, 'Direct');
    expect(down.result).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(down.ms).toBeLessThan(1000);
    expect(sink.messages.map((m) => m.parsed.subject)).toContain('Direct');
    expect(fallbacks.length).toBeGreaterThan(0);

    await redis.start();
    await waitUntil(
      async () => (await mailer.send(email('Probe'))).mode === 'queue',
      10_000,
      'queueing to resume',
    );
    const back = await mailer.send(email('Requeued'));
    expect(back).toMatchObject({ status: 'queued', mode: 'queue' });
    // Only the worker can deliver a queued email: it reconnected too.
    await waitUntil(
      () => sink.messages.some((m) => m.parsed.subject === 'Requeued'),
      10_000,
      'the worker to deliver again',
    );
  }, 30_000);

  it('does the same on PostgreSQL, and sends directly when PostgreSQL is away', async () => {
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const name = uniqueName('pgflow');
    cleanup.obliterate(name, { postgres: POSTGRES_URL });
    const { mailer } = mailerWith(sink, { postgres: POSTGRES_URL }, name);
    await workerFor(sink, { postgres: POSTGRES_URL }, name);
    const first = await mailer.send({ ...email('Once'), idempotencyKey: 'signup:42' });
    const again = await mailer.send({ ...email('Once'), idempotencyKey: 'signup:42' });
    expect(first).toMatchObject({ status: 'queued', mode: 'queue' });
    expect(first).toMatchObject({ jobId: 'signup%3A42' });
    expect(again.ok && again.jobId).toBe('signup%3A42');
    expect(again).toMatchObject({ id: first.id, messageId: first.messageId, duplicate: true });
    await sink.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages.map((m) => m.parsed.messageId)).toEqual([first.messageId]);

    const away = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    const { mailer: direct } = mailerWith(sink, { postgres: away }, name);
    const sent = await timedSend(direct, 'No database');
    expect(sent.result).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(sent.ms).toBeLessThan(1000);
  }, 30_000);
});
