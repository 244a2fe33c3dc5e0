import { fileURLToPath } from 'node:url';
import { Child } from '../lib/child.js';

// S1: emails sent synchronously over pooled SMTP. Mailroom: `mailer.sendMany` with
// `queue: false`; raw: a nodemailer pool transport with the same options and the same
// number of sends in flight. Each side sends from a process of its own (see
// children/smtp-child.js), warmed up with one untimed round of all the emails; each
// timed round sends them in slices, the two sides taking turns slice by slice.

const CHILD = fileURLToPath(new URL('../children/smtp-child.js', import.meta.url));
const CONCURRENCY = 10;
const SLICES = 10;

/** @param {import('../run.js').Context} ctx */
export async function s1(ctx) {
  const count = ctx.size(2000);
  const args = (side) => [side, String(ctx.sink.port), String(count), String(CONCURRENCY)];
  /** @type {Record<string, Child>} */
  const children = {};
  try {
    // Started one at a time, so that the warm-up rounds do not compete.
    for (const side of ['mailroom', 'raw']) {
      children[side] = new Child(CHILD, { args: args(side) });
      await children[side].next('ready');
    }
    // Each round: the emails in SLICES slices per side, the sides taking turns.
    const perSlice = Math.max(1, Math.round(count / SLICES));
    const runs = await ctx.interleave(SLICES, perSlice, async (side, n) => {
      const target = (await ctx.sink.received()) + n;
      const { ms } = await children[side].request({ type: 'round', count: n });
      await ctx.sink.waitFor(target);
      return ms;
    });
    return ctx.throughput(runs, { count, concurrency: CONCURRENCY, pool: 5 });
  } finally {
    await Promise.all(Object.values(children).map((child) => child.kill()));
  }
}
