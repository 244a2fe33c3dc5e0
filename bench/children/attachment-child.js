// One side of S5 or S6 in a process of its own, so its peak RSS is its own.
// argv: mode, SMTP sink port, attachment file, [Redis URL, queue name].
//   sync-mailroom    S5 Mailroom: mailer.send with the file as an attachment, queue: false
//   path-raw         S5 raw: nodemailer with { path }
//   bytes-mailroom   S5 bytes Mailroom: mailer.send with the file's bytes, read beforehand
//   bytes-raw        S5 bytes raw: nodemailer with the same bytes as a Buffer
//   worker-mailroom  S6 Mailroom: an email worker delivering the queued emails
//   buffer-raw       S6 raw: nodemailer with the file read into a Buffer
//
// The sync modes send the attachment SENDS times and report the peak RSS growth of each
// send (the first is "cold": it also pays for the heap growing to its working size in a
// fresh process). The worker mode measures whatever the parent brackets with `measure`
// and `report`.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createMailer } from '@mailroom/core';
import { startEmailWorker } from '@mailroom/queue-bullmq';
import { FROM, mailroomBackend, mailroomInput, rawMessage, rawTransport } from '../lib/mail.js';
import { PeakRss } from '../lib/memory.js';
import { since } from '../lib/stats.js';

// The parent gone (finished, killed), this process has nothing left to do.
process.once('disconnect', () => process.exit(0));

// Sends per process; the parent (scenarios/s5-s6-attachments.js) uses the same number.
const SENDS = 3;

const [mode, portText, file, redisUrl, queueName] = process.argv.slice(2);
const port = Number(portText);

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Runs `send` SENDS times, each with the peak RSS tracked from a fresh baseline. */
async function measured(send) {
  const results = [];
  for (let i = 0; i < SENDS; i++) {
    await settle();
    const peak = new PeakRss();
    const start = process.hrtime.bigint();
    await send(i);
    const ms = since(start);
    results.push({ ...peak.stop(), ms });
  }
  return results;
}

async function runSync() {
  // The bytes modes hold the file in memory before anything is measured.
  const bytes = mode.startsWith('bytes-') ? await readFile(file) : undefined;
  if (mode === 'sync-mailroom' || mode === 'bytes-mailroom') {
    const mailer = createMailer({ from: FROM, backend: mailroomBackend(port), queue: false });
    // Warm-up: opens the pooled SMTP connection.
    await mailer.send(mailroomInput(0));
    const attachment = bytes ? { filename: basename(file), content: bytes } : file;
    const sends = await measured(async (i) => {
      const sent = await mailer.send({ ...mailroomInput(i + 1), attachments: [attachment] });
      if (!sent.ok) throw new Error('S5: Mailroom send failed');
    });
    await mailer.close();
    return sends;
  }
  const transport = rawTransport(port, { fileAccess: mode === 'path-raw' });
  await transport.sendMail(rawMessage(0));
  const sends = await measured(async (i) => {
    const attachment =
      mode === 'path-raw'
        ? { filename: basename(file), path: file }
        : { filename: basename(file), content: bytes ?? (await readFile(file)) };
    await transport.sendMail({ ...rawMessage(i + 1), attachments: [attachment] });
  });
  transport.close();
  return sends;
}

async function runWorker() {
  const backend = mailroomBackend(port);
  const worker = await startEmailWorker({ backend, url: redisUrl, name: queueName });
  /** @type {PeakRss | undefined} */
  let peak;
  process.on('message', async (request) => {
    const reply = (payload) => process.send?.({ ...payload, id: request.id });
    try {
      if (request.type === 'measure') {
        await settle();
        peak = new PeakRss();
        reply({ type: 'measuring' });
      } else if (request.type === 'report') {
        reply({ type: 'result', ...peak?.stop() });
      } else if (request.type === 'exit') {
        await worker.close();
        await backend.close();
        reply({ type: 'closed' });
        process.exit(0);
      }
    } catch (error) {
      reply({ type: 'error', error: String(error?.stack ?? error) });
    }
  });
  process.send?.({ type: 'ready' });
}

if (mode === 'worker-mailroom') {
  await runWorker();
} else {
  try {
    process.send?.({ type: 'result', sends: await runSync() });
  } catch (error) {
    process.send?.({ type: 'error', error: String(error?.stack ?? error) });
  }
  process.disconnect?.();
}
