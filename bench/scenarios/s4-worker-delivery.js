import { startEmailWorker } from '@mailroom/queue-bullmq';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  mailroomBackend,
  mailroomInput,
  queueingMailer,
  rawJobData,
  rawMessage,
  rawTransport,
} from '../lib/mail.js';
import { median, runConcurrently, since } from '../lib/stats.js';
import { RAW_JOB_OPTIONS } from './raw-job-options.js';

// S4: emails already queued (Redis), then delivered by a worker to the sink. Mailroom:
// `startEmailWorker` with its default concurrency (5, the SMTP pool's size), timed from
// its start until the sink has them all; raw: a nodemailer pool with the same options
// sending the same emails directly, as many in flight as the worker runs.
//
// A third side, for reference only (not in the ratio): a plain BullMQ Worker whose
// processor calls nodemailer, timed the same way. It shows how much of the gap is the
// queue itself rather than Mailroom.

const CONCURRENCY = 5;

/** @param {import('../run.js').Context} ctx */
export async function s4(ctx) {
  const count = ctx.size(5000);
  const backend = mailroomBackend(ctx.sink.port);
  const transport = rawTransport(ctx.sink.port);
  const connection = new Redis(ctx.redis.url, { maxRetriesPerRequest: null });
  const enqueueMs = [];
  let offset = 0;
  let round = 0;

  const sides = {
    mailroom: async (n) => {
      const name = `${ctx.queueName('s4')}-${round++}`;
      const producer = queueingMailer(ctx.sink.port, { url: ctx.redis.url, name });
      const inputs = Array.from({ length: n }, (_, i) => mailroomInput(offset + i));
      offset += n;
      const enqueueStart = process.hrtime.bigint();
      const results = await producer.sendMany(inputs, { concurrency: 50 });
      enqueueMs.push(since(enqueueStart));
      if (results.some((result) => result.status !== 'queued')) throw new Error('S4: not queued');
      await producer.close();
      const target = (await ctx.sink.received()) + n;
      const start = process.hrtime.bigint();
      const worker = await startEmailWorker({
        backend,
        url: ctx.redis.url,
        name,
        concurrency: CONCURRENCY,
      });
      await ctx.sink.waitFor(target);
      const ms = since(start);
      await worker.close();
      await ctx.obliterateRedis(name);
      return ms;
    },
    raw: async (n) => {
      const base = offset;
      offset += n;
      const target = (await ctx.sink.received()) + n;
      const start = process.hrtime.bigint();
      await runConcurrently(n, CONCURRENCY, (i) => transport.sendMail(rawMessage(base + i)));
      await ctx.sink.waitFor(target);
      return since(start);
    },
    bullmqWorker: async (n) => {
      const name = `${ctx.queueName('s4raw')}-${round++}`;
      const queue = new Queue(name, { connection, defaultJobOptions: RAW_JOB_OPTIONS });
      const base = offset;
      offset += n;
      await queue.addBulk(
        Array.from({ length: n }, (_, i) => ({ name: 'email', data: rawJobData(base + i) })),
      );
      const target = (await ctx.sink.received()) + n;
      const start = process.hrtime.bigint();
      const worker = new Worker(
        name,
        async (job) => {
          const { from, to, subject, text } = job.data;
          await transport.sendMail({ from, to, subject, text });
        },
        {
          connection: new Redis(ctx.redis.url, { maxRetriesPerRequest: null }),
          concurrency: CONCURRENCY,
        },
      );
      await ctx.sink.waitFor(target);
      const ms = since(start);
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      return ms;
    },
  };

  try {
    for (const side of Object.keys(sides)) await sides[side](Math.min(200, count));
    enqueueMs.length = 0;
    const runs = await ctx.alternate(
      async (side) => count / ((await sides[side](count)) / 1000),
      ['mailroom', 'raw', 'bullmqWorker'],
    );
    return ctx.throughput(runs, {
      count,
      concurrency: CONCURRENCY,
      pool: 5,
      untimedEnqueueMs: Math.round(median(enqueueMs)),
      reference: {
        side: 'plain BullMQ Worker + nodemailer (not in the ratio)',
        median: median(runs.bullmqWorker),
        mailroomOverIt: median(runs.mailroom) / median(runs.bullmqWorker),
      },
    });
  } finally {
    await backend.close();
    transport.close();
    connection.disconnect();
  }
}
