// One side of S8 in a fresh process: `sendEmail` with the default mailer built from the
// environment the parent set (SMTP to the sink; auto mode with REDIS_URL pointing at a
// Redis that is down, or MAIL_QUEUE=none), timing the first call and the later ones.
// argv: number of later calls, pause between them in ms (so that the later calls span
// more than the mailer's 1 s availability cache and include its re-checks).
import { closeDefaultMailer, sendEmail } from '@mailroom/core';
import { mailroomInput } from '../lib/mail.js';
import { since } from '../lib/stats.js';

// The parent gone (finished, killed), this process has nothing left to do.
process.once('disconnect', () => process.exit(0));

const later = Number(process.argv[2]);
const pauseMs = Number(process.argv[3] ?? 0);

async function timedSend(i) {
  const start = process.hrtime.bigint();
  const result = await sendEmail(mailroomInput(i));
  const ms = since(start);
  if (!result.ok || result.mode !== 'sync') {
    throw new Error(`S8: expected a synchronous delivery, got ${JSON.stringify(result)}`);
  }
  return ms;
}

try {
  const first = await timedSend(0);
  const latencies = [];
  for (let i = 1; i <= later; i++) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    latencies.push(await timedSend(i));
  }
  await closeDefaultMailer();
  process.send?.({ type: 'result', first, later: latencies });
} catch (error) {
  process.send?.({ type: 'error', error: String(error?.stack ?? error) });
}
process.disconnect?.();
