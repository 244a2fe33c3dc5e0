// The SMTP sink, run in its own process (forked by sink-client.js) so that the work of
// receiving does not share an event loop with the senders being measured. It accepts
// every message, counts it and throws the body away.
//
// smtp-server waits about 100 ms before it greets each new connection (an anti-spam
// guard with no option to turn it off), so the senders measured here are pooled: they
// pay it once per connection, both sides alike.
import { SMTPServer } from 'smtp-server';

let received = 0;
let bytes = 0;
/** @type {Array<{ id: number, count: number }>} */
let waiters = [];

function settleWaiters() {
  const due = waiters.filter((waiter) => received >= waiter.count);
  if (due.length === 0) return;
  waiters = waiters.filter((waiter) => received < waiter.count);
  for (const waiter of due) process.send?.({ type: 'reached', id: waiter.id, received });
}

const server = new SMTPServer({
  disabledCommands: ['AUTH', 'STARTTLS'],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  // Large attachments arrive in one DATA; no size limit for the sink.
  size: 0,
  onData(stream, _session, callback) {
    stream.on('data', (chunk) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      received += 1;
      callback();
      settleWaiters();
    });
    stream.on('error', callback);
  },
});
server.on('error', (error) => {
  console.error(`[sink] ${error.message}`);
});

process.on('message', (message) => {
  if (message.type === 'count') {
    process.send?.({ type: 'count', id: message.id, received, bytes });
  } else if (message.type === 'expect') {
    waiters.push({ id: message.id, count: message.count });
    settleWaiters();
  } else if (message.type === 'stop') {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: server.server.address().port });
});
