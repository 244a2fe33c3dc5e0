import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer } from '@mailroom/core';
import { bullmqQueue } from '@mailroom/queue-bullmq';
import nodemailer from 'nodemailer';

// The email every delivery scenario sends, the same on both sides: one recipient, a
// subject and a plain-text body of about 1 KiB.

export const FROM = 'Mailroom Bench <bench@example.com>';
const FROM_ADDRESS = { name: 'Mailroom Bench', address: 'bench@example.com' };
const BODY = `${'Thanks for signing up. This is the body of a benchmark email. '.repeat(16)}\n`;

/** The Mailroom input of email `i`. */
export function mailroomInput(i) {
  return { to: `user${i}@example.com`, subject: `Benchmark email ${i}`, text: BODY };
}

/** The nodemailer message of email `i`: the same fields. */
export function rawMessage(i) {
  return {
    from: FROM_ADDRESS,
    to: { name: '', address: `user${i}@example.com` },
    subject: `Benchmark email ${i}`,
    text: BODY,
  };
}

/** The job data the raw BullMQ side stores for email `i`: the same fields as JSON. */
export function rawJobData(i) {
  return { from: FROM, to: [`user${i}@example.com`], subject: `Benchmark email ${i}`, text: BODY };
}

// Pooled SMTP, the same settings on both sides. A pooled connection is replaced after
// `maxMessages` and closed after `idleTimeout`; smtp-server greets each new connection
// after ~100 ms, which at the defaults (100 messages, 2 s idle in Mailroom) would weigh
// on the figures, so connections are kept for the whole run on both sides.
const POOL_SIZE = 5;
const MAX_MESSAGES = 1_000_000;
const IDLE_MS = 300_000;

/** Mailroom's SMTP backend to the sink. */
export function mailroomBackend(port) {
  return smtpBackend({
    host: '127.0.0.1',
    port,
    pool: true,
    maxConnections: POOL_SIZE,
    maxMessages: MAX_MESSAGES,
    idleTimeoutMs: IDLE_MS,
  });
}

/**
 * A nodemailer pool transport with the options Mailroom's SMTP backend gives nodemailer.
 * `fileAccess` is for S5, where the raw side attaches by `path`.
 */
export function rawTransport(port, { fileAccess = false } = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    pool: true,
    maxConnections: POOL_SIZE,
    maxMessages: MAX_MESSAGES,
    idleTimeout: IDLE_MS,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    requireTLS: false,
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    disableFileAccess: !fileAccess,
    disableUrlAccess: true,
  });
}

/**
 * A Mailroom mailer that queues every email onto `bullmqQueue(queueOptions)`. Its own
 * SMTP backend to the sink is never used (closing a mailer closes its backend, so it
 * is not shared).
 */
export function queueingMailer(sinkPort, queueOptions) {
  return createMailer({
    from: FROM,
    backend: mailroomBackend(sinkPort),
    queue: bullmqQueue(queueOptions),
  });
}

/** Sends `input` through `mailer`, insisting that it was queued. */
export async function sendQueued(mailer, input, scenario) {
  const result = await mailer.send(input);
  if (result.status !== 'queued') throw new Error(`${scenario}: not queued (${result.status})`);
}
