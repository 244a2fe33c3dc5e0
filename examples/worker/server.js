// POST /signup {"email": "...", "name": "..."} queues a welcome email and answers at
// once; worker.js delivers it. While Redis is down it answers 503: the email carries an
// idempotency key, which only the queue can honour, so it is not sent directly.
import { createServer } from 'node:http';
import {
  closeDefaultMailer,
  configureMail,
  QueueError,
  sendEmail,
  ValidationError,
} from '@mailroom/core';
import { bullmqQueue } from '@mailroom/queue-bullmq';
import { backendFromEnv } from './backend.js';

configureMail({
  from: process.env.MAIL_FROM ?? 'Mailroom Demo <demo@example.com>',
  backend: backendFromEnv(),
  queue: bullmqQueue({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }),
});

const MAX_BODY = 16 * 1024;

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) throw new Error('body too large');
  }
  return JSON.parse(body);
}

async function signup(req, res) {
  let input;
  try {
    input = await readJson(req);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== 'object' || typeof input.email !== 'string') {
    return reply(res, 400, { error: 'send a JSON body: {"email": "...", "name": "..."}' });
  }
  const name = typeof input.name === 'string' ? input.name : 'there';
  try {
    const result = await sendEmail({
      to: input.email,
      subject: 'Welcome to Mailroom',
      text: `Hi ${name},\n\nThanks for signing up.\n`,
      // A retried request (double click, client retry) does not send a second email.
      idempotencyKey: `signup:${String(input.email).toLowerCase()}`,
    });
    reply(res, 202, result);
  } catch (error) {
    if (error instanceof ValidationError) {
      return reply(res, 400, { error: error.code, message: error.message });
    }
    // A keyed email is not sent directly while the queue is away: that could send it
    // twice. The client tries again later, with the same key.
    if (error instanceof QueueError && error.code === 'QUEUE_UNAVAILABLE') {
      res.setHeader('retry-after', '5');
      return reply(res, 503, { error: error.code, message: error.message });
    }
    console.error(error);
    reply(res, 500, { error: 'could not send the welcome email' });
  }
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/signup') return void signup(req, res);
  reply(res, 404, { error: 'POST /signup' });
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port} (POST /signup)`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    // Closes the queue connection and the backend's pool.
    void closeDefaultMailer().then(() => process.exit(0));
  });
}
