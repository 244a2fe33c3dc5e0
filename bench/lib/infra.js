import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sleep } from './stats.js';

/** A TCP port that was free a moment ago (bound, then released): nothing listens on it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

async function pingRedis(url, timeoutMs) {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/**
 * The Redis the queue scenarios use. By default a private `redis-server` on a free
 * loopback port (no persistence), so that the benchmark neither disturbs nor is
 * disturbed by other users of the machine's Redis; without `redis-server` on the PATH,
 * or with `--redis-url`, the given (or the machine's) Redis.
 */
export async function startRedis(requestedUrl) {
  if (requestedUrl) {
    const version = await pingRedis(requestedUrl, 2000);
    if (!version) throw new Error(`Redis at ${requestedUrl} does not answer`);
    return { url: requestedUrl, private: false, version, stop: async () => undefined };
  }
  const which = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (which.status !== 0) {
    const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const version = await pingRedis(url, 2000);
    if (!version)
      throw new Error(`no redis-server on the PATH and Redis at ${url} does not answer`);
    return { url, private: false, version, stop: async () => undefined };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-redis-'));
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  // However the benchmark ends (an error, process.exit), the private server ends too.
  const killOnExit = () => {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  let version;
  for (let attempt = 0; attempt < 50 && !version; attempt++) {
    await sleep(100);
    version = await pingRedis(url, 500);
  }
  const stop = async () => {
    process.off('exit', killOnExit);
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!version) {
    await stop();
    throw new Error('the private redis-server did not start');
  }
  return { url, private: true, version, stop };
}

/**
 * Checks the PostgreSQL the S2 scenario uses and returns its version, or undefined when
 * it cannot be reached (S2's PostgreSQL rows are then skipped).
 */
export async function checkPostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('SHOW server_version');
    return rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the benchmark's own BullMQ schema. */
export async function dropPostgresSchema(url, schema) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
