// One side of S7 in a process of its own, so that the two pipelines, which share the
// nunjucks and marked modules, do not shape each other's optimised code (in one process
// the shared runtime functions see both sides' templates and Mailroom's side ends up
// measurably slower than it is on its own).
// argv: side (mailroom | raw), renders of the warm-up round. Warms up, then answers each
// `round` request (`count` renders) with the time it took.
import { createTemplateRenderer } from '@mailroom/core';
import { since } from '../lib/stats.js';
import { CONTEXT, rawRenderer, TEMPLATES_DIR } from '../scenarios/s7-templates.js';

// The parent gone (finished, killed), this process has nothing left to do.
process.once('disconnect', () => process.exit(0));

const [side, countText] = process.argv.slice(2);
const count = Number(countText);
// Only this side's pipeline is built, so the other's templates never run here.
const mailroom = side === 'mailroom' ? createTemplateRenderer({ dir: TEMPLATES_DIR }) : undefined;
const raw = side === 'raw' ? rawRenderer() : undefined;

async function round(n = count) {
  const start = process.hrtime.bigint();
  if (side === 'mailroom') {
    for (let i = 0; i < n; i++) await mailroom?.('welcome', CONTEXT);
  } else {
    for (let i = 0; i < n; i++) raw?.(CONTEXT);
  }
  return since(start);
}

await round();
process.on('message', async (request) => {
  if (request.type === 'round')
    process.send?.({ type: 'done', id: request.id, ms: await round(request.count) });
  else if (request.type === 'exit') process.exit(0);
});
process.send?.({ type: 'ready' });
