import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer, type Mailer, type MailerEvents } from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { memoryQueue } from '@mailroom/queue-memory';
import { greylisting, type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '@mailroom/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

type Recorded = Array<[keyof MailerEvents, MailerEvents[keyof MailerEvents]]>;

async function setup(
  sinkOptions: SmtpSinkOptions = {},
  queueOptions: Parameters<typeof memoryQueue>[0] = {},
): Promise<{
  sink: SmtpSink;
  mailer: Mailer;
  queue: ReturnType<typeof memoryQueue>;
  events: Recorded;
}> {
  const sink = await startSmtpSink({ disableStartTls: true, ...sinkOptions });
  const queue = memoryQueue({ backoffMs: 10, ...queueOptions });
  const mailer = createMailer({
    from: 'app@example.com',
    backend: smtpBackend({ host: sink.host, port: sink.port, pool: false }),
    queue,
  });
  open.push(sink, mailer);
  const events: Recorded = [];
  for (const name of ['queued', 'sending', 'sent', 'retrying', 'failed', 'fallback'] as const) {
    mailer.on(name, (payload) => events.push([name, payload]));
  }
  return { sink, mailer, queue, events };
}

const email = (n: number, extra: object = {}) => ({
  to: `user${n}@example.com`,
  subject: `Email ${n}`,
  text: `Body ${n}`,
  ...extra,
});

describe('memory queue', () => {
  it('returns as soon as the email is queued, then delivers it in the background', async () => {
    const { sink, mailer, queue, events } = await setup();
    const result = await mailer.send(email(1));
    expect(result).toMatchObject({ ok: true, status: 'queued', mode: 'queue', queue: 'memory' });
    await queue.drain();
    const [received] = await sink.waitFor(1);
    expect(received?.parsed.messageId).toBe(result.messageId);
    expect(events.map(([name]) => name)).toEqual(['queued', 'sending', 'sent']);
    expect(events.every(([, payload]) => payload.messageId === result.messageId)).toBe(true);
  });

  it('retries temporary failures with backoff and delivers', async () => {
    const { sink, mailer, queue, events } = await setup({
      dataReply: (attempt) => (attempt <= 2 ? { code: 450, message: 'try again' } : undefined),
    });
    await mailer.send(email(1));
    await queue.drain();
    expect(sink.messages).toHaveLength(1);
    expect(sink.dataAttempts).toBe(3);
    const retries = events
      .filter(([name]) => name === 'retrying')
      .map(([, p]) => p as MailerEvents['retrying']);
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [2, 'DELIVERY_TEMPORARY'],
      [3, 'DELIVERY_TEMPORARY'],
    ]);
    expect(retries.every((r) => r.delayMs >= 5 && r.delayMs <= 40)).toBe(true);
  });

  it('does not retry a permanent failure and reports it with the SMTP reason', async () => {
    const { sink, mailer, queue, events } = await setup({
      dataReply: () => ({ code: 550, message: 'mailbox unavailable' }),
    });
    await mailer.send(email(1));
    await queue.drain();
    expect(sink.dataAttempts).toBe(1);
    const failed = events
      .filter(([name]) => name === 'failed')
      .map(([, p]) => p as MailerEvents['failed']);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error.code).toBe('DELIVERY_PERMANENT');
    expect(failed[0]?.error.details.responseCode).toBe(550);
  });

  it('gives up after the configured attempts', async () => {
    const { sink, mailer, queue, events } = await setup(
      { dataReply: () => ({ code: 421, message: 'busy' }) },
      { attempts: 3 },
    );
    await mailer.send(email(1));
    await queue.drain();
    expect(sink.dataAttempts).toBe(3);
    expect(events.filter(([name]) => name === 'failed')).toHaveLength(1);
  });

  it('retries recipients the server deferred for them alone, once each', async () => {
    const { sink, mailer, queue, events } = await setup({
      rcptReply: greylisting(['later@example.com']),
    });
    const result = await mailer.send(email(1, { to: 'ok@example.com', cc: 'later@example.com' }));
    await queue.drain();
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['ok@example.com'], ['later@example.com']]);
    // The same message both times: headers name everyone, the Message-ID is kept.
    expect(sink.messages.map((m) => m.parsed.messageId)).toEqual([
      result.messageId,
      result.messageId,
    ]);
    expect(sink.messages[1]?.parsed.cc).toMatchObject({ text: 'later@example.com' });
    expect(events.map(([name]) => name)).toEqual([
      'queued',
      'sending',
      'sent',
      'retrying',
      'sending',
      'sent',
    ]);
    expect(events[2]?.[1]).toMatchObject({
      accepted: ['ok@example.com'],
      deferred: ['later@example.com'],
    });
    expect(events[3]?.[1]).toMatchObject({
      attempt: 2,
      error: { code: 'DELIVERY_TEMPORARY', details: { deferred: ['later@example.com'] } },
    });
    expect(events[5]?.[1]).toMatchObject({ accepted: ['later@example.com'], rejected: [] });
  });

  it('reports deferred recipients as failed once the attempts are used up', async () => {
    const { sink, mailer, queue, events } = await setup(
      { rcptReply: greylisting(['later@example.com'], 10) },
      { attempts: 1 },
    );
    await mailer.send(email(1, { to: ['ok@example.com', 'later@example.com'] }));
    await queue.drain();
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['ok@example.com']]);
    expect(events.map(([name]) => name)).toEqual(['queued', 'sending', 'sent', 'failed']);
    expect(events[3]?.[1]).toMatchObject({
      error: {
        code: 'DELIVERY_TEMPORARY',
        details: { deferred: ['later@example.com'], accepted: ['ok@example.com'] },
      },
    });
  });

  it('retries for everyone when the server defers every recipient', async () => {
    const { sink, mailer, queue, events } = await setup({
      rcptReply: greylisting(['a@example.com', 'b@example.com']),
    });
    await mailer.send(email(1, { to: ['a@example.com', 'b@example.com'] }));
    await queue.drain();
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['a@example.com', 'b@example.com']]);
    expect(events.filter(([name]) => name === 'retrying')).toHaveLength(1);
  });

  it('delivers an idempotency key once', async () => {
    const { sink, mailer, queue, events } = await setup();
    const first = await mailer.send(email(1, { idempotencyKey: 'order-42' }));
    const second = await mailer.send(email(1, { idempotencyKey: 'order-42' }));
    expect(first).toMatchObject({ status: 'queued', jobId: 'order-42' });
    expect(first).not.toHaveProperty('duplicate');
    // The repeat names the email that goes out, and queues nothing.
    const { id, messageId } = first;
    expect(second).toMatchObject({ status: 'queued', jobId: 'order-42', id, messageId });
    expect(second).toMatchObject({ duplicate: true });
    await queue.drain();
    expect(sink.messages.map((m) => m.parsed.messageId)).toEqual([messageId]);
    const third = await mailer.send(email(1, { idempotencyKey: 'order-42' }));
    expect(third).toMatchObject({ id, messageId, duplicate: true });
    expect(events.filter(([name]) => name === 'queued')).toHaveLength(1);
  });

  it('refuses to queue again an idempotency key whose job failed, instead of pretending', async () => {
    const { sink, mailer, queue } = await setup({
      dataReply: () => ({ code: 550, message: 'no' }),
    });
    await mailer.send(email(1, { idempotencyKey: 'order-7' }));
    await queue.drain();
    await expect(mailer.send(email(1, { idempotencyKey: 'order-7' }))).rejects.toMatchObject({
      code: 'QUEUE_ENQUEUE_FAILED',
      details: { state: 'failed' },
    });
    expect(sink.dataAttempts).toBe(1);
  });

  it('uses one id for the result and every event of a queued email', async () => {
    const { mailer, queue, events } = await setup();
    const result = await mailer.send(email(1, { idempotencyKey: 'signup-42' }));
    await queue.drain();
    expect(result).toMatchObject({ jobId: 'signup-42' });
    expect(events.map(([name, payload]) => [name, payload.id])).toEqual([
      ['queued', result.id],
      ['sending', result.id],
      ['sent', result.id],
    ]);
  });

  it('runs high priority before low and honours delay', async () => {
    const { sink, mailer, queue } = await setup({ dataDelayMs: 100 }, { concurrency: 1 });
    const busy = new Promise((resolve) => mailer.on('sending', resolve));
    await mailer.send(email(0));
    await busy;
    await mailer.send(email(1, { priority: 'low' }));
    await mailer.send(email(2, { priority: 'high' }));
    const delayedAt = Date.now();
    await mailer.send(email(3, { delay: 600 }));
    await queue.drain();
    expect(sink.messages.map((m) => m.parsed.subject)).toEqual([
      'Email 0',
      'Email 2',
      'Email 1',
      'Email 3',
    ]);
    expect(Date.now() - delayedAt).toBeGreaterThanOrEqual(600);
  });

  // Node fires a timer of more than 2^31-1 ms at once; a month must stay a month.
  it('keeps an email delayed by a month waiting, not sent at once', async () => {
    const { sink, mailer, events } = await setup({}, { closeTimeoutMs: 100 });
    const month = 30 * 24 * 60 * 60 * 1000;
    await mailer.send(email(1, { delay: month }));
    await mailer.send(email(2, { delay: new Date(Date.now() + 2 * month) }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages).toHaveLength(0);
    expect(events.map(([name]) => name)).toEqual(['queued', 'queued']);
  });

  it('close() finishes queued work before resolving', async () => {
    const { sink, mailer } = await setup({ dataDelayMs: 10 }, { concurrency: 2 });
    for (let n = 0; n < 10; n += 1) await mailer.send(email(n));
    await mailer.close();
    expect(sink.messages).toHaveLength(10);
  });

  it('close() gives up at its deadline and reports what was not delivered', async () => {
    const { sink, mailer, events } = await setup({}, { closeTimeoutMs: 100 });
    await mailer.send(email(1, { delay: 60_000 }));
    await mailer.close();
    expect(sink.messages).toHaveLength(0);
    const failed = events
      .filter(([name]) => name === 'failed')
      .map(([, p]) => p as MailerEvents['failed']);
    expect(failed.map((f) => f.error.code)).toEqual(['QUEUE_UNAVAILABLE']);
  });

  it('close() fails at once what comes due after its deadline, instead of waiting it out', async () => {
    const { mailer, events } = await setup({}, { closeTimeoutMs: 60_000 });
    await mailer.send(email(1, { delay: 60 * 60_000 }));
    const closed = await Promise.race([
      mailer.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting')),
    ]);
    expect(closed).toBe('closed');
    expect(events.map(([name]) => name)).toEqual(['queued', 'failed']);
  });

  it('close() gives a delivery under way at its deadline as long again, and it is reported sent', async () => {
    const { sink, mailer, events } = await setup({ dataDelayMs: 1200 }, { closeTimeoutMs: 800 });
    const sending = new Promise((resolve) => mailer.on('sending', resolve));
    await mailer.send(email(1));
    await sending;
    await mailer.close();
    expect(sink.messages).toHaveLength(1);
    expect(events.map(([name]) => name)).toEqual(['queued', 'sending', 'sent']);
  });

  it('close() still resolves when a delivery under way never ends', async () => {
    const mailer = createMailer({
      from: 'app@example.com',
      backend: { name: 'stuck', send: () => new Promise(() => {}) },
      queue: memoryQueue({ closeTimeoutMs: 100 }),
    });
    const sending = new Promise((resolve) => mailer.on('sending', resolve));
    await mailer.send(email(1));
    await sending;
    const closed = await Promise.race([
      mailer.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 3_000, 'still waiting')),
    ]);
    expect(closed).toBe('closed');
  });

  it('resolves every close() only once queued work is delivered', async () => {
    const { sink, mailer } = await setup({ dataDelayMs: 50 }, { concurrency: 1 });
    for (let n = 0; n < 3; n += 1) await mailer.send(email(n));
    const first = mailer.close();
    // A shutdown handler and a teardown both closing: the second must wait too.
    await mailer.close();
    expect(sink.messages).toHaveLength(3);
    await first;
  });

  it('retries a temporary failure met while closing, when the retry is due before the deadline', async () => {
    const { sink, mailer, events } = await setup(
      {
        dataReply: (attempt) => (attempt === 1 ? { code: 451, message: 'Greylisted' } : undefined),
      },
      { backoffMs: 10, closeTimeoutMs: 10_000 },
    );
    await mailer.send(email(1));
    await mailer.close();
    expect(sink.messages).toHaveLength(1);
    expect(events.map(([name]) => name)).toEqual([
      'queued',
      'sending',
      'retrying',
      'sending',
      'sent',
    ]);
  });

  it('fails a temporary failure met while closing when its retry would come after the deadline', async () => {
    const { sink, mailer, events } = await setup(
      { dataReply: () => ({ code: 451, message: 'Greylisted' }) },
      { backoffMs: 5_000, closeTimeoutMs: 200 },
    );
    await mailer.send(email(1));
    await mailer.close();
    expect(sink.messages).toHaveLength(0);
    const failed = events.filter(([name]) => name === 'failed');
    expect(failed.map(([, p]) => (p as MailerEvents['failed']).error.code)).toEqual([
      'DELIVERY_TEMPORARY',
    ]);
  });

  it("keeps an email's priority for its retries", async () => {
    const { sink, mailer, queue } = await setup(
      {
        dataDelayMs: 100,
        dataReply: (attempt) => (attempt === 1 ? { code: 451, message: 'Greylisted' } : undefined),
      },
      { concurrency: 1, backoffMs: 1 },
    );
    await mailer.send(email(1, { priority: 'high' }));
    await mailer.send(email(2));
    await mailer.send(email(3));
    await queue.drain();
    // The high email's retry was due while Email 2 was being sent, before Email 3.
    expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['Email 2', 'Email 1', 'Email 3']);
  });

  it('keeps the idempotency key of a job still waiting, however many emails pass', async () => {
    const backend = testBackend();
    const queue = memoryQueue({ concurrency: 50 });
    const mailer = createMailer({ from: 'app@example.com', backend, queue });
    open.push(mailer);
    await mailer.send(email(0, { idempotencyKey: 'welcome-a', delay: 1_500 }));
    for (let n = 1; n <= 10_001; n += 1) await mailer.send(email(n));
    await mailer.send(email(0, { idempotencyKey: 'welcome-a' }));
    await queue.drain();
    expect(backend.sent.filter((m) => m.subject === 'Email 0')).toHaveLength(1);
  }, 60_000);

  it('sends synchronously when the call says background: false', async () => {
    const { sink, mailer } = await setup();
    const result = await mailer.send(email(1, { background: false }));
    expect(result).toMatchObject({ status: 'sent', mode: 'sync' });
    expect(sink.messages).toHaveLength(1);
  });

  it('rejects invalid options naming the key', () => {
    expect(() => memoryQueue({ concurrency: 0 })).toThrow(
      expect.objectContaining({ details: { key: 'concurrency' } }),
    );
    expect(() => memoryQueue({ retries: 3 } as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
