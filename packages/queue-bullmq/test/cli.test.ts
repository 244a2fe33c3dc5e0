import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bullmqQueue } from '@mailroom/queue-bullmq';
import { startSmtpSink } from '@mailroom/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  collectLines,
  emailJob,
  enqueueOptions,
  REDIS_URL,
  requireRedis,
  smtpUrlFor,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requireRedis);

const CLI = fileURLToPath(new URL('../bin/mailroom-worker.js', import.meta.url));

/** Runs `mailroom-worker` to completion with only the given environment. */
async function cli(args: string[], env: Record<string, string> = { REDIS_URL }) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('mailroom-worker CLI', () => {
  it('prints help, and refuses bad usage with exit code 2', async () => {
    const bad = [['frobnicate'], ['clean'], ['clean', '--age', 'soon'], ['--bogus']];
    const [help, unset, ...refused] = await Promise.all([
      cli(['--help']),
      cli(['counts'], {}),
      ...bad.map((args) => cli(args)),
    ]);
    expect(help?.code).toBe(0);
    expect(help?.stdout).toContain('Usage: mailroom-worker');
    expect(help?.stdout).toMatch(/MAIL_BACKEND, SMTP_URL +Delivery backend for "run", required/);
    for (const [n, result] of refused.entries()) {
      expect(result.code, bad[n]?.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: mailroom-worker');
    }
    if (!unset) throw new Error('no result');
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/CONFIG_INVALID.*REDIS_URL/);
  });

  it('refuses to run without MAIL_BACKEND rather than print emails and deliver nothing', async () => {
    const unset: Array<Record<string, string>> = [{ REDIS_URL }, { REDIS_URL, MAIL_BACKEND: ' ' }];
    for (const env of unset) {
      const run = await cli(['run'], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^mailroom-worker: MAIL_BACKEND is not set: .*SMTP_URL.*\n$/);
    }
    const implicit = await cli([], { REDIS_URL, SMTP_URL: 'smtp://localhost:25' });
    expect(implicit.code).toBe(2);
    expect(implicit.stderr).toContain('MAIL_BACKEND is not set');
    const badConcurrency = await cli(['run', '--concurrency', '1e3'], { REDIS_URL });
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toContain('--concurrency must be a positive integer');
  });

  it('runs with MAIL_BACKEND=console, warning that nothing is delivered', async () => {
    const name = uniqueName('console');
    const queue = bullmqQueue({ url: REDIS_URL, name });
    cleanup.obliterate(name, { url: REDIS_URL });
    cleanup.add(() => queue.close());
    const job = await emailJob('Printed');
    await queue.enqueue(job, enqueueOptions(job.id));
    const worker = spawn(process.execPath, [CLI, 'run', '--queue', name], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL, MAIL_BACKEND: 'console' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    worker.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const { lines, exited } = collectLines(worker);
    cleanup.add(async () => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    });
    await waitUntil(() => lines.some((l) => l.startsWith(`sent ${job.id} `)), 10_000, 'sent');
    worker.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr.split('\n')[0]).toMatch(
      /^mailroom-worker: warning: MAIL_BACKEND=console prints emails and delivers nothing/,
    );
    expect(stderr).toContain('through console');
  }, 20_000);

  it('runs a worker printing one line per outcome, then counts, retries and cleans', async () => {
    const name = uniqueName('cli');
    const queue = bullmqQueue({ url: REDIS_URL, name, backoff: { delayMs: 50, jitter: 0 } });
    cleanup.obliterate(name, { url: REDIS_URL });
    cleanup.add(() => queue.close());
    const ok = await emailJob('Fine');
    const greylisted = await emailJob('Greylisted');
    const bounced = await emailJob('Bounced', 'bounce@example.com');
    for (const job of [ok, greylisted, bounced]) await queue.enqueue(job, enqueueOptions(job.id));

    const sink = await startSmtpSink({
      disableStartTls: true,
      rcptReply: (address) =>
        address === 'bounce@example.com' ? { code: 550, message: 'No such user' } : undefined,
      dataReply: (attempt) => (attempt === 1 ? { code: 450, message: 'Greylisted' } : undefined),
    });
    cleanup.add(() => sink.close());
    const worker = spawn(process.execPath, [CLI, 'run', '--queue', name, '--concurrency', '1'], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL,
        MAIL_BACKEND: 'smtp',
        SMTP_URL: smtpUrlFor(sink),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const { lines, exited } = collectLines(worker);
    cleanup.add(async () => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    });
    await waitUntil(() => lines.length >= 4, 10_000, 'four outcome lines');
    worker.kill('SIGINT');
    expect(await exited).toBe(0);
    const line = (prefix: string) => lines.filter((l) => l.startsWith(prefix));
    expect(line('sent ')).toHaveLength(2);
    expect(line('sent ')).toContain(`sent ${ok.id} ${ok.messageId} to=1`);
    expect(line('retry ')).toHaveLength(1);
    expect(line('retry ')[0]).toMatch(
      /^retry \S+ attempt 1\/5 DELIVERY_TEMPORARY 450 .*Greylisted \(next in 0\.1s\)$/,
    );
    expect(line('failed ')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^failed ${bounced.id} DELIVERY_PERMANENT 550 .*No such user \\(attempt 1/5\\)$`,
        ),
      ),
    ]);

    const counts = await cli(['counts', '--queue', name]);
    expect(counts.code).toBe(0);
    expect(counts.stdout).toBe('waiting 0\ndelayed 0\nactive 0\ncompleted 2\nfailed 1\n');

    const retried = await cli(['retry-failed', '--queue', name]);
    expect(retried.stdout).toBe('retried 1 failed job(s)\n');
    const afterRetry = JSON.parse((await cli(['counts', '--queue', name, '--json'])).stdout);
    expect(afterRetry).toMatchObject({ waiting: 1, failed: 0, completed: 2 });

    const kept = await cli(['clean', '--queue', name, '--age', '3600']);
    expect(kept.stdout).toBe('removed 0 completed, 0 failed job(s)\n');
    const cleaned = await cli(['clean', '--queue', name, '--age', '0', '--status', 'completed']);
    expect(cleaned.stdout).toBe('removed 2 completed job(s)\n');
    const afterClean = JSON.parse((await cli(['counts', '--queue', name, '--json'])).stdout);
    expect(afterClean).toMatchObject({ waiting: 1, completed: 0 });
  }, 30_000);
});
