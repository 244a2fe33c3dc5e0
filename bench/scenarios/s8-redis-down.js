import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Child } from '../lib/child.js';
import { freePort } from '../lib/infra.js';
import { FROM } from '../lib/mail.js';
import { median, quantile } from '../lib/stats.js';

// S8: `sendEmail` in auto mode while Redis is down, against the same mailer with the
// queue off (`MAIL_QUEUE=none`, i.e. `queue: false`). Each run is a fresh process using
// the default mailer from the environment, so the first call pays what a real first
// call pays (building the mailer, loading the SMTP backend and, in auto mode, the BullMQ
// package, and finding Redis down); both sides connect to the SMTP sink on their first
// call. Added latency = Mailroom auto − queue off, first call and later calls.
//
// Two ways of being down: `refused` (nothing listens on the port: the connection is
// refused at once) and `unresponsive` (a socket that accepts and never answers, like a
// hung Redis or a dropped network path, where only the probe's timeout helps).

const CHILD = fileURLToPath(new URL('../children/redis-down-child.js', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
// Later calls per process, PAUSE_MS apart: about 1.5 s in all, longer than the mailer's
// 1 s availability cache, so they include a re-check of the queue. Fewer than the 100
// messages a pooled SMTP connection carries, so none waits for a new greeting.
const LATER_CALLS = 60;
const PAUSE_MS = 20;

function childEnv(ctx, redisUrl) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('MAIL_') || key === 'REDIS_URL' || key === 'SMTP_URL') delete env[key];
  }
  return {
    ...env,
    MAIL_FROM: FROM,
    MAIL_BACKEND: 'smtp',
    SMTP_URL: `smtp://127.0.0.1:${ctx.sink.port}`,
    ...(redisUrl === undefined
      ? { MAIL_QUEUE: 'none' }
      : { MAIL_QUEUE: 'auto', REDIS_URL: redisUrl }),
  };
}

async function runChild(ctx, redisUrl, later) {
  const child = new Child(CHILD, {
    args: [String(later), String(PAUSE_MS)],
    env: childEnv(ctx, redisUrl),
    cwd: BENCH_DIR,
  });
  try {
    return await child.next('result');
  } finally {
    await child.kill();
  }
}

/** A TCP server that accepts connections and never writes a byte. */
async function startBlackhole() {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}

async function measure(ctx, redisUrl, variant) {
  const later = Math.max(20, Math.min(LATER_CALLS, ctx.size(LATER_CALLS)));
  const runs = await ctx.alternate((side) =>
    runChild(ctx, side === 'mailroom' ? redisUrl : undefined, later),
  );
  const first = { mailroom: runs.mailroom.map((r) => r.first), raw: runs.raw.map((r) => r.first) };
  const laterAll = {
    mailroom: runs.mailroom.flatMap((r) => r.later),
    raw: runs.raw.flatMap((r) => r.later),
  };
  const added = {
    firstMs: median(first.mailroom) - median(first.raw),
    laterMs: median(laterAll.mailroom) - median(laterAll.raw),
    laterP99Ms: quantile(laterAll.mailroom, 0.99) - quantile(laterAll.raw, 0.99),
  };
  return ctx.addedLatency(
    {
      first: { mailroom: median(first.mailroom), raw: median(first.raw) },
      later: {
        mailroom: median(laterAll.mailroom),
        raw: median(laterAll.raw),
        mailroomP99: quantile(laterAll.mailroom, 0.99),
        rawP99: quantile(laterAll.raw, 0.99),
      },
      added,
    },
    { variant, processesPerSide: runs.mailroom.length, laterCallsPerProcess: later, first },
  );
}

/** @param {import('../run.js').Context} ctx */
export async function s8Refused(ctx) {
  const port = await freePort();
  return measure(ctx, `redis://127.0.0.1:${port}`, 'refused');
}

/** @param {import('../run.js').Context} ctx */
export async function s8Unresponsive(ctx) {
  const blackhole = await startBlackhole();
  try {
    return await measure(ctx, `redis://127.0.0.1:${blackhole.port}`, 'unresponsive');
  } finally {
    await blackhole.stop();
  }
}
