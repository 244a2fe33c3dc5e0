import { createPostgresBackend, Queue, withBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { mailroomInput, queueingMailer, rawJobData, sendQueued } from '../lib/mail.js';
import { since } from '../lib/stats.js';
import { RAW_JOB_OPTIONS } from './raw-job-options.js';

// S2: latency of one send onto BullMQ, one at a time, the two sides taking turns. Mailroom: `mailer.send` with a
// `bullmqQueue` (validation, rendering, the availability check, the job codec and the
// enqueue); raw: `queue.add` of the same fields with the same attempts, backoff and
// retention.

const { Queue: PostgresQueue } = withBackend(createPostgresBackend);

async function measure(ctx, datastore, count, openSides) {
  const sides = await openSides();
  let offset = 0;
  // One send per side in turn, the order swapped every time, so that both sides see
  // the same machine.
  const round = async (n, index) => {
    const latencies = { mailroom: [], raw: [] };
    for (let i = 0; i < n; i++) {
      const order = (index + i) % 2 === 0 ? ['mailroom', 'raw'] : ['raw', 'mailroom'];
      for (const side of order) {
        const start = process.hrtime.bigint();
        await sides[side].send(offset++);
        latencies[side].push(since(start));
      }
    }
    return latencies;
  };
  try {
    // A long warm-up: with 100 sends per side, both sides still sped up round after
    // round (raw 0.30 -> 0.10 ms over five rounds); after 2,000 the rounds are level.
    await round(count * 4, 0);
    const runs = { mailroom: [], raw: [] };
    for (let index = 0; index < ctx.rounds; index++) {
      const latencies = await round(count, index);
      runs.mailroom.push(latencies.mailroom);
      runs.raw.push(latencies.raw);
    }
    return ctx.latency(runs, { datastore, samplesPerRound: count });
  } finally {
    await sides.close();
  }
}

function redisSides(ctx) {
  return async () => {
    const name = ctx.queueName('s2');
    const mailer = queueingMailer(ctx.sink.port, { url: ctx.redis.url, name: `${name}-mailroom` });
    const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(`${name}-raw`, { connection, defaultJobOptions: RAW_JOB_OPTIONS });
    return {
      mailroom: { send: (i) => sendQueued(mailer, mailroomInput(i), 'S2') },
      raw: { send: (i) => queue.add('email', rawJobData(i)) },
      close: async () => {
        await mailer.close();
        await ctx.obliterateRedis(`${name}-mailroom`);
        await queue.obliterate({ force: true });
        await queue.close();
        connection.disconnect();
      },
    };
  };
}

function postgresSides(ctx) {
  return async () => {
    const name = ctx.queueName('s2pg');
    const connection = {
      connectionString: ctx.postgres.url,
      schema: ctx.postgres.schema,
      migrate: true,
    };
    const mailer = queueingMailer(ctx.sink.port, {
      postgres: connection,
      name: `${name}-mailroom`,
    });
    const queue = new PostgresQueue(`${name}-raw`, {
      connection,
      defaultJobOptions: RAW_JOB_OPTIONS,
    });
    await queue.waitUntilReady();
    return {
      mailroom: { send: (i) => sendQueued(mailer, mailroomInput(i), 'S2') },
      raw: { send: (i) => queue.add('email', rawJobData(i)) },
      close: async () => {
        await mailer.close();
        await queue.close();
      },
    };
  };
}

/** @param {import('../run.js').Context} ctx */
export async function s2Redis(ctx) {
  return measure(ctx, 'redis', ctx.size(500), redisSides(ctx));
}

/** @param {import('../run.js').Context} ctx */
export async function s2Postgres(ctx) {
  if (!ctx.postgres.version) return ctx.skipped('PostgreSQL not reachable');
  return measure(ctx, 'postgres', ctx.size(200), postgresSides(ctx));
}
