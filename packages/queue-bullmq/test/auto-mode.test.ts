import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer, type MailerEvents } from '@mailroom/core';
import { startEmailWorker } from '@mailroom/queue-bullmq';
import { startSmtpSink } from '@mailroom/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { backendFor, Cleanup, startPrivateRedis, waitUntil } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const email = (subject: string) => ({ to: 'user@example.com', subject, text: subject });

describe("queue: 'auto' with REDIS_URL", () => {
  it('finds @mailroom/queue-bullmq by itself, queues, falls back while Redis is down, queues again', async () => {
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    cleanup.add(async () => {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    });
    // No queue in the configuration: auto mode, the default.
    const mailer = createMailer({
      from: 'app@example.com',
      backend: smtpBackend({ host: sink.host, port: sink.port, pool: false }),
    });
    cleanup.add(() => mailer.close());
    const fallbacks: Array<MailerEvents['fallback']> = [];
    mailer.on('fallback', (event) => fallbacks.push(event));
    const backend = backendFor(sink);
    const worker = await startEmailWorker({ url: redis.url, backend, onError: () => undefined });
    cleanup.add(() => backend.close());
    cleanup.add(() => worker.close());

    const queued = await mailer.send(email('Queued'));
    expect(queued).toMatchObject({ ok: true, status: 'queued', mode: 'queue', queue: 'emails' });
    await sink.waitFor(1);

    await redis.kill();
    const started = performance.now();
    const direct = await mailer.send(email('Direct'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(direct).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    expect(fallbacks.at(-1)).toMatchObject({ queue: 'emails' });

    await redis.start();
    let requeued: string | undefined;
    await waitUntil(
      async () => {
        const result = await mailer.send(email('Probe'));
        if (result.mode === 'queue') requeued = result.messageId;
        return requeued !== undefined;
      },
      10_000,
      'queueing to resume',
    );
    // Only the worker delivers a queued email: it reconnected too.
    await waitUntil(
      () => sink.messages.some((m) => m.parsed.messageId === requeued),
      10_000,
      'the worker',
    );
    const subjects = sink.messages.map((m) => m.parsed.subject);
    expect(subjects.filter((s) => s === 'Queued')).toHaveLength(1);
    expect(subjects.filter((s) => s === 'Direct')).toHaveLength(1);
  }, 30_000);
});
