import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, freePort, REDIS_URL, requireRedis, uniqueName } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(requireRedis);

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
