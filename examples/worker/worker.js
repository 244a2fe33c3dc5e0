// Delivers the queued emails. Run as many as you like, on any machine that reaches
// Redis: each email is delivered by one of them. SIGTERM or Ctrl-C stops taking new
// emails and finishes the ones in flight.
import { startEmailWorker } from '@mailroom/queue-bullmq';
import { backendFromEnv } from './backend.js';

const backend = backendFromEnv();
const worker = await startEmailWorker({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  backend,
  concurrency: Number(process.env.CONCURRENCY ?? 5),
  onJob: (outcome) => {
    if (outcome.status === 'sent') console.log(`sent ${outcome.jobId} ${outcome.messageId}`);
    else if (outcome.status === 'stalled') console.log(`stalled ${outcome.jobId}, running again`);
    else console.log(`${outcome.status} ${outcome.jobId}: ${outcome.failure.message}`);
  },
});
console.log(`worker ready (${backend.name} backend)`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    console.log(`${signal}: finishing ${worker.inFlight} email(s) in flight`);
    await worker.close();
    await backend.close?.();
    process.exit(0);
  });
}
