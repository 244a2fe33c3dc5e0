import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSmtpSink } from '@mailroom/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  collectLines,
  freePort,
  smtpUrlFor,
  startPrivateRedis,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const EXAMPLE = fileURLToPath(new URL('../../../examples/worker/', import.meta.url));

function start(script: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: EXAMPLE,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output = collectLines(child);
  cleanup.add(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, ...output };
}

describe('examples/worker', () => {
  it('queues a signup email over HTTP and its worker delivers it once', async () => {
    // A private Redis: the example uses the default queue name.
    const redis = await startPrivateRedis();
    cleanup.add(() => redis.kill());
    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const port = await freePort();
    const env = { REDIS_URL: redis.url, SMTP_URL: smtpUrlFor(sink) };
    const server = start('server.js', { ...env, PORT: String(port) });
    const worker = start('worker.js', env);
    await waitUntil(() => server.lines.some((l) => l.startsWith('listening')), 10_000, 'server');
    await waitUntil(() => worker.lines.some((l) => l.startsWith('worker ready')), 10_000, 'worker');

    const signup = (email: string) =>
      fetch(`http://127.0.0.1:${port}/signup`, {
        method: 'POST',
        body: JSON.stringify({ email, name: 'Alice' }),
      });
    const first = await signup('alice@example.com');
    const again = await signup('alice@example.com');
    expect(first.status).toBe(202);
    const body = (await first.json()) as { jobId: string };
    const bodyAgain = (await again.json()) as { jobId: string };
    expect(body).toMatchObject({ ok: true, status: 'queued', mode: 'queue', queue: 'emails' });
    expect(body.jobId).toBe('signup%3Aalice@example.com');
    expect(bodyAgain.jobId).toBe(body.jobId);
    expect((await signup('not an address')).status).toBe(400);
    for (const body of ['null', '[]', '"text"', '{"name": "no email"}', 'not json']) {
      const refused = await fetch(`http://127.0.0.1:${port}/signup`, { method: 'POST', body });
      expect(refused.status).toBe(400);
    }

    await sink.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.rcptTo).toEqual(['alice@example.com']);
    expect(worker.lines.filter((l) => l.startsWith('sent '))).toHaveLength(1);

    // A keyed email is not sent directly while Redis is away: the client is told to retry.
    await redis.kill();
    const whileDown = await signup('bob@example.com');
    expect(whileDown.status).toBe(503);
    expect(whileDown.headers.get('retry-after')).toBe('5');
    expect(await whileDown.json()).toMatchObject({ error: 'QUEUE_UNAVAILABLE' });
    expect(sink.messages).toHaveLength(1);

    server.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await Promise.all([server.exited, worker.exited])).toEqual([0, 0]);
  }, 30_000);
});
