import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { mailroomInput, queueingMailer, rawJobData } from '../lib/mail.js';
import { since } from '../lib/stats.js';
import { RAW_JOB_OPTIONS } from './raw-job-options.js';

// S3: many emails onto BullMQ (Redis) in one call. Mailroom: `mailer.sendMany` (its
// default concurrency); raw: one `queue.addBulk` of the same fields.

/** @param {import('../run.js').Context} ctx */
export async function s3(ctx) {
  const count = ctx.size(10_000);
  const name = ctx.queueName('s3');
  const mailer = queueingMailer(ctx.sink.port, { url: ctx.redis.url, name: `${name}-mailroom` });
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(`${name}-raw`, { connection, defaultJobOptions: RAW_JOB_OPTIONS });
  let offset = 0;

  const sides = {
    mailroom: async (n) => {
      const inputs = Array.from({ length: n }, (_, i) => mailroomInput(offset + i));
      offset += n;
      const start = process.hrtime.bigint();
      const results = await mailer.sendMany(inputs);
      const ms = since(start);
      const notQueued = results.filter((result) => result.status !== 'queued');
      if (notQueued.length > 0) throw new Error(`S3: ${notQueued.length} emails not queued`);
      // Each round starts from an empty queue.
      await ctx.obliterateRedis(`${name}-mailroom`);
      return ms;
    },
    raw: async (n) => {
      const jobs = Array.from({ length: n }, (_, i) => ({
        name: 'email',
        data: rawJobData(offset + i),
      }));
      offset += n;
      const start = process.hrtime.bigint();
      await queue.addBulk(jobs);
      const ms = since(start);
      await queue.obliterate({ force: true });
      return ms;
    },
  };

  try {
    await sides.mailroom(Math.min(500, count));
    await sides.raw(Math.min(500, count));
    const runs = await ctx.alternate(async (side) => count / ((await sides[side](count)) / 1000));
    return ctx.throughput(runs, { count, sendManyConcurrency: 'default (10)' });
  } finally {
    await mailer.close();
    await ctx.obliterateRedis(`${name}-mailroom`);
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}
