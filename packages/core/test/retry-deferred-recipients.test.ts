import { fromEmailJob, resolveMessage, retryDeferredRecipients, toEmailJob } from '@mailroom/core';
import { describe, expect, it } from 'vitest';

const job = async () =>
  toEmailJob(
    await resolveMessage({
      from: 'app@example.com',
      to: ['a@example.com', 'B@Example.com'],
      bcc: 'hidden@example.com',
      subject: 'Hello',
      text: 'x',
    }),
  );

const info = (deferred?: string[]) => ({
  messageId: '<m@example.com>',
  accepted: ['a@example.com'],
  rejected: deferred ?? [],
  ...(deferred === undefined ? {} : { deferred }),
});

describe('retryDeferredRecipients', () => {
  it('is undefined when nobody was deferred', async () => {
    const email = await job();
    expect(retryDeferredRecipients(email, info())).toBeUndefined();
    expect(retryDeferredRecipients(email, info([]))).toBeUndefined();
  });

  it('narrows the envelope to the deferred, as the envelope spells them, leaving the message alone', async () => {
    const email = await job();
    const retry = retryDeferredRecipients(email, info(['b@example.COM', 'hidden@example.com']));
    expect(retry?.job.envelope).toEqual({
      from: 'app@example.com',
      to: ['B@example.com', 'hidden@example.com'],
    });
    expect(retry?.job).toMatchObject({ id: email.id, messageId: email.messageId, to: email.to });
    expect(email.envelope.to).toHaveLength(3);
    expect(retry?.error).toMatchObject({
      code: 'DELIVERY_TEMPORARY',
      temporary: true,
      details: { deferred: ['B@example.com', 'hidden@example.com'], accepted: ['a@example.com'] },
    });
  });

  it('is never handed an envelope of anything but address strings: such a job is refused', async () => {
    const email = await job();
    const odd = { ...email, envelope: { ...email.envelope, to: [{ address: 'a@example.com' }] } };
    expect(() => fromEmailJob(odd)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('never adds a recipient the envelope does not hold', async () => {
    expect(retryDeferredRecipients(await job(), info(['stranger@example.com']))).toBeUndefined();
  });
});
