// One side of S1 in a process of its own, so that the two senders, which share the
// nodemailer module, do not shape each other's optimised code, and neither pays for the
// other's garbage. argv: side (mailroom | raw), SMTP sink port, emails per warm-up
// round, emails in flight, warm-up rounds. Warms up, then answers each `round` request
// (`count` emails) with the time it took.
import { createMailer } from '@mailroom/core';
import { FROM, mailroomBackend, mailroomInput, rawMessage, rawTransport } from '../lib/mail.js';
import { runConcurrently, since } from '../lib/stats.js';

// The parent gone (finished, killed), this process has nothing left to do.
process.once('disconnect', () => process.exit(0));

const [side, portText, countText, concurrencyText, warmupsText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const warmups = Number(warmupsText);
// Only this side's sender is built.
const mailer =
  side === 'mailroom'
    ? createMailer({ from: FROM, backend: mailroomBackend(port), queue: false })
    : undefined;
const transport = side === 'raw' ? rawTransport(port) : undefined;
let offset = 0;

async function round(n = count) {
  const base = offset;
  offset += n;
  if (mailer) {
    const inputs = Array.from({ length: n }, (_, i) => mailroomInput(base + i));
    const start = process.hrtime.bigint();
    const results = await mailer.sendMany(inputs, { concurrency });
    const ms = since(start);
    const failed = results.filter((result) => !result.ok).length;
    if (failed > 0) throw new Error(`S1: ${failed} Mailroom sends failed`);
    return ms;
  }
  const start = process.hrtime.bigint();
  await runConcurrently(n, concurrency, (i) => transport?.sendMail(rawMessage(base + i)));
  return since(start);
}

process.on('message', async (request) => {
  try {
    if (request.type === 'round') {
      process.send?.({ type: 'done', id: request.id, ms: await round(request.count) });
    } else if (request.type === 'exit') {
      await mailer?.close();
      transport?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send?.({ type: 'error', id: request.id, error: String(error?.stack ?? error) });
  }
});
try {
  for (let i = 0; i < warmups; i++) await round();
  process.send?.({ type: 'ready' });
} catch (error) {
  process.send?.({ type: 'error', error: String(error?.stack ?? error) });
}
