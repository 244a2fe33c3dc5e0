import { fileURLToPath } from 'node:url';
import { childrenPerRound } from '../lib/children-per-round.js';

// S1: emails sent synchronously over pooled SMTP. Mailroom: `mailer.sendMany` with
// `queue: false`; raw: a nodemailer pool transport with the same options and the same
// number of sends in flight. Each side sends from a process of its own (see
// children/smtp-child.js), started afresh for every round and warmed up with untimed
// rounds of all the emails; each timed round sends them in slices, the two sides taking
// turns slice by slice.

const CHILD = fileURLToPath(new URL('../children/smtp-child.js', import.meta.url));
const CONCURRENCY = 10;
const SLICES = 10;
// Mailroom's path through nodemailer is longer and takes longer to be optimised: after
// one round (2,000 emails) it ran at 0.81-0.87 of raw, after four at 0.95, where a
// long-lived process settles. Four rounds' worth, then, before each timed round.
const WARMUP_ROUNDS = 4;

/** @param {import('../run.js').Context} ctx */
export async function s1(ctx) {
  const count = ctx.size(2000);
  const args = (side) => [
    side,
    String(ctx.sink.port),
    String(count),
    String(CONCURRENCY),
    String(WARMUP_ROUNDS),
  ];
  const children = childrenPerRound(CHILD, { mailroom: args('mailroom'), raw: args('raw') });
  // Each round: the emails in SLICES slices per side, the sides taking turns.
  const perSlice = Math.max(1, Math.round(count / SLICES));
  const runs = await ctx.interleave(
    SLICES,
    perSlice,
    async (side, n) => {
      const target = (await ctx.sink.received()) + n;
      const { ms } = await children.of(side).request({ type: 'round', count: n });
      await ctx.sink.waitFor(target);
      return ms;
    },
    children,
  );
  return ctx.throughput(runs, { count, concurrency: CONCURRENCY, pool: 5, processPerRound: true });
}
