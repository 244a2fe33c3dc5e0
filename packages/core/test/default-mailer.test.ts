import {
  closeDefaultMailer,
  configureMail,
  createMailer,
  getDefaultMailer,
  sendEmail,
} from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

const email = { to: 'a@example.com', subject: 'Hi', text: 'Hello' };
const saved = { ...process.env };

afterEach(async () => {
  await closeDefaultMailer();
  for (const key of ['MAIL_BACKEND', 'SMTP_URL', 'MAIL_QUEUE', 'MAIL_FROM', 'REDIS_URL']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('the process-wide mailer', () => {
  it('returns a failed result for a bad environment when the call asks for failSilently', async () => {
    process.env.MAIL_BACKEND = 'smtp';
    delete process.env.SMTP_URL;
    const result = await sendEmail({ ...email, from: 'app@example.com', failSilently: true });
    expect(result).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'CONFIG_INVALID' },
    });
    await expect(sendEmail({ ...email, from: 'app@example.com' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { key: 'SMTP_URL' },
    });
  });

  it('reports a malformed REDIS_URL at once, and works once the environment is fixed', async () => {
    process.env.MAIL_BACKEND = 'console';
    process.env.MAIL_QUEUE = 'auto';
    process.env.REDIS_URL = 'localhost:6379';
    const send = () => sendEmail({ ...email, from: 'app@example.com' });
    await expect(send()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { key: 'REDIS_URL' },
    });
    delete process.env.REDIS_URL;
    expect(await send()).toMatchObject({ ok: true, status: 'sent' });
  });

  it('configureMail closes the default it replaces when that one was built from the environment', async () => {
    process.env.MAIL_BACKEND = 'console';
    process.env.MAIL_QUEUE = 'none';
    const fromEnv = await getDefaultMailer();
    const backend = testBackend();
    const configured = configureMail({ from: 'app@example.com', backend, queue: false });
    expect(await sendEmail(email)).toMatchObject({ ok: true, status: 'sent' });
    expect(backend.sent).toHaveLength(1);
    // Closed in the background, once its sends under way are done.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fromEnv.send({ ...email, from: 'app@example.com' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    // One the application configured itself is its to close.
    configureMail({ from: 'app@example.com', backend: testBackend(), queue: false });
    expect(await configured.send(email)).toMatchObject({ ok: true });
    await configured.close();
  });
});

describe('mailer events', () => {
  it('an async listener that rejects is reported as a warning and changes nothing', async () => {
    const mailer = createMailer({ from: 'app@example.com', backend: testBackend(), queue: false });
    mailer.on('sent', async () => {
      throw new Error('audit log down');
    });
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    expect(await mailer.send(email)).toMatchObject({ ok: true, status: 'sent' });
    const reported = await warning;
    expect(reported.name).toBe('MailroomWarning');
    expect(reported.message).toContain('audit log down');
    await mailer.close();
  });
});

describe('send input', () => {
  it.each([
    ['bbc', { bbc: 'audit@example.com' }],
    ['dealy', { dealy: 3_600_000 }],
    ['proirity', { proirity: 'low' }],
    ['failSilently', { failSilently: 'yes' }],
    ['delay', { delay: 1e20 }],
  ])('refuses %s (unknown, or bad) with INVALID_INPUT, sending nothing', async (field, extra) => {
    const backend = testBackend();
    const mailer = createMailer({ from: 'app@example.com', backend, queue: false });
    await expect(mailer.send({ ...email, ...extra } as typeof email)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field },
    });
    expect(backend.sent).toHaveLength(0);
    await mailer.close();
  });

  it('ignores an unknown field set to undefined, as every field', async () => {
    const backend = testBackend();
    const mailer = createMailer({ from: 'app@example.com', backend, queue: false });
    const input = { ...email, extra: undefined } as typeof email;
    expect(await mailer.send(input)).toMatchObject({ ok: true });
    await mailer.close();
  });
});
