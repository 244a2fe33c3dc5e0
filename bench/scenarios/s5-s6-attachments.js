import { fileURLToPath } from 'node:url';
import { Child } from '../lib/child.js';
import { mailroomInput, queueingMailer, sendQueued } from '../lib/mail.js';
import { median } from '../lib/stats.js';

// S5 and S6: one large file attachment, peak RSS growth of the process doing the
// sending, each side in a fresh child process (Node flag --expose-gc, so the baseline is
// taken after a full collection).
//
// S5: sent synchronously. Mailroom streams the file; raw nodemailer gets `{ path }`.
// S5 bytes: the same, the attachment given as bytes already in memory; raw nodemailer
//     gets them as a Buffer.
// S6: queued (Redis), then delivered by an email worker in the child; the attachment is
//     stored beside the job (base64 under its own key) and streamed by the worker. Raw:
//     nodemailer given the file as a Buffer (read inside the measured window, as the
//     worker has to get the bytes from Redis inside its own).

// Sends of the attachment per child process; the child script uses the same number.
const SENDS = 3;
const CHILD = fileURLToPath(new URL('../children/attachment-child.js', import.meta.url));
const EXEC_ARGV = ['--expose-gc'];

async function runChild(ctx, mode) {
  const child = new Child(CHILD, {
    args: [mode, String(ctx.sink.port), ctx.attachment.path],
    execArgv: EXEC_ARGV,
  });
  try {
    return (await child.next('result')).sends;
  } finally {
    await child.kill();
  }
}

async function runWorkerChild(ctx) {
  const name = ctx.queueName('s6');
  const child = new Child(CHILD, {
    args: ['worker-mailroom', String(ctx.sink.port), ctx.attachment.path, ctx.redis.url, name],
    execArgv: EXEC_ARGV,
  });
  const producer = queueingMailer(ctx.sink.port, { url: ctx.redis.url, name });
  try {
    await child.next('ready');
    // Warm-up: a small email opens the worker's SMTP connection.
    let target = (await ctx.sink.received()) + 1;
    await producer.send(mailroomInput(0));
    await ctx.sink.waitFor(target);
    const sends = [];
    for (let i = 0; i < SENDS; i++) {
      await child.request({ type: 'measure' });
      target += 1;
      const input = { ...mailroomInput(i + 1), attachments: [ctx.attachment.path] };
      await sendQueued(producer, input, 'S6');
      await ctx.sink.waitFor(target);
      sends.push(await child.request({ type: 'report' }));
    }
    await child.request({ type: 'exit' });
    return sends;
  } finally {
    await producer.close();
    await child.kill();
    await ctx.obliterateRedis(name);
  }
}

// Per run: the growth of the last send (steady state, the headline figure) and of the
// first (cold: a fresh process growing its heap to its working size), as multiples of
// the file size.
async function growthRuns(ctx, modes) {
  const cold = { mailroom: [], raw: [] };
  const runs = await ctx.alternate(async (side) => {
    const sends = side === 'mailroom' ? await modes.mailroom() : await runChild(ctx, modes.raw);
    const ratios = sends.map((send) => send.growth / ctx.attachment.size);
    ctx.note(`${side}: ${sends[0]?.method}`);
    cold[side].push(ratios[0]);
    return ratios[ratios.length - 1];
  });
  return { runs, cold: { mailroom: median(cold.mailroom), raw: median(cold.raw) } };
}

/** @param {import('../run.js').Context} ctx */
export async function s5(ctx) {
  const { runs, cold } = await growthRuns(ctx, {
    mailroom: () => runChild(ctx, 'sync-mailroom'),
    raw: 'path-raw',
  });
  return ctx.memory(runs, { fileBytes: ctx.attachment.size, sendsPerProcess: SENDS, cold });
}

/**
 * S5 bytes: the same attachment already in memory (a Buffer the application built),
 * sent synchronously. Raw: nodemailer given that Buffer.
 * @param {import('../run.js').Context} ctx
 */
export async function s5Bytes(ctx) {
  const { runs, cold } = await growthRuns(ctx, {
    mailroom: () => runChild(ctx, 'bytes-mailroom'),
    raw: 'bytes-raw',
  });
  return ctx.memory(runs, { fileBytes: ctx.attachment.size, sendsPerProcess: SENDS, cold });
}

/** @param {import('../run.js').Context} ctx */
export async function s6(ctx) {
  const { runs, cold } = await growthRuns(ctx, {
    mailroom: () => runWorkerChild(ctx),
    raw: 'buffer-raw',
  });
  return ctx.memory(runs, { fileBytes: ctx.attachment.size, sendsPerProcess: SENDS, cold });
}
