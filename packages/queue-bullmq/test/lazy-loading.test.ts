import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  requirePostgres,
  requireRedis,
  uniqueName,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
});

const fixture = fileURLToPath(new URL('./fixtures/bullmq-loading.mjs', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('the adapter entry core auto-detects (@mailroom/queue-bullmq/queue)', () => {
  // A send in auto mode waits for this import: ioredis alone answers "is Redis there?",
  // and BullMQ (most of the import time) is loaded for the first job stored.
  it('answers availability without loading BullMQ, never loads it while Redis is down, and loads it for the first job', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailroom-lazy-'));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const name = uniqueName('lazy');
    cleanup.obliterate(name, { url: REDIS_URL });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fixture, join(dir, 'record'), `redis://127.0.0.1:${await freePort()}`, REDIS_URL, name],
      { cwd: packageDir, timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      afterImport: false,
      downAvailable: false,
      downEnqueue: 'QUEUE_UNAVAILABLE',
      afterDown: false,
      upAvailable: true,
      afterProbe: false,
      upEnqueue: expect.any(String),
      afterEnqueue: true,
    });
  });
});

describe('a BullMQ that cannot be loaded', () => {
  const unloadable = fileURLToPath(new URL('./fixtures/bullmq-unloadable.mjs', import.meta.url));

  // Nothing was stored: the contract's QUEUE_UNAVAILABLE (sent directly, or refused when
  // it must not be), and the import is tried again rather than failing every send.
  it.each([
    ['Redis', 'redis', /BullMQ could not be loaded: .*Cannot find package 'bullmq'/],
    ['PostgreSQL', POSTGRES_URL, /the queue reports it is down/],
  ])(
    'on %s: QUEUE_UNAVAILABLE, sent directly, then queued once it loads',
    async (_, datastore, reason) => {
      const dir = await mkdtemp(join(tmpdir(), 'mailroom-unloadable-'));
      cleanup.add(() => rm(dir, { recursive: true, force: true }));
      const block = join(dir, 'block');
      await writeFile(block, '');
      const name = uniqueName('unloadable');
      cleanup.obliterate(
        name,
        datastore === 'redis'
          ? { url: REDIS_URL }
          : { postgres: { connectionString: POSTGRES_URL } },
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [unloadable, block, REDIS_URL, name, datastore],
        { cwd: packageDir, timeout: 30_000 },
      );
      expect(JSON.parse(stdout)).toEqual({
        keyed: 'QUEUE_UNAVAILABLE',
        blocked: 'sent/sync',
        firstFallback: expect.stringMatching(reason),
        loaded: 'queued/queue',
      });
    },
    40_000,
  );
});
