import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer, DeliveryError, type Mailer, type MailerEvents } from '@mailroom/core';
import {
  createSelfSignedCertificate,
  type SmtpSink,
  type SmtpSinkOptions,
  startSmtpSink,
} from '@mailroom/testkit';
import type { AddressObject } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function sinkWith(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = await startSmtpSink(options);
  open.push(sink);
  return sink;
}

function mailerFor(sink: SmtpSink, extra: Parameters<typeof smtpBackend>[0] = {}): Mailer {
  const mailer = createMailer({
    from: 'Mailroom Test <sender@example.com>',
    backend: smtpBackend({
      host: sink.host,
      port: sink.port,
      tls: { rejectUnauthorized: false },
      connectionTimeoutMs: 2000,
      ...extra,
    }),
  });
  open.push(mailer);
  return mailer;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((group) =>
    group.value.map((entry) => entry.address ?? ''),
  );

async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('SMTP delivery to a real server', () => {
  it('delivers headers, multipart/alternative, Date and Message-ID as a client reads them', async () => {
    const sink = await sinkWith();
    const mailer = mailerFor(sink);
    const result = await mailer.send({
      to: 'Alice <alice@example.com>',
      replyTo: 'support@example.com',
      subject: 'Hello',
      html: '<p>Hi <b>Alice</b></p><p>See <a href="https://example.com/x">the page</a></p>',
      headers: { 'X-Campaign': 'spring' },
    });
    const [received] = await sink.waitFor(1);
    const mail = received?.parsed;
    expect(result).toMatchObject({
      ok: true,
      status: 'sent',
      mode: 'sync',
      accepted: ['alice@example.com'],
    });
    expect(mail?.subject).toBe('Hello');
    expect(mail?.from?.value[0]).toEqual({ address: 'sender@example.com', name: 'Mailroom Test' });
    expect(addresses(mail?.to)).toEqual(['alice@example.com']);
    expect(addresses(mail?.replyTo)).toEqual(['support@example.com']);
    expect(mail?.headers.get('x-campaign')).toBe('spring');
    expect(mail?.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail?.html).toContain('<b>Alice</b>');
    expect(mail?.text).toContain('Hi Alice');
    expect(mail?.text).toContain('the page [https://example.com/x]');
    expect(mail?.messageId).toBe(result.messageId);
    expect(result.messageId).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);
    expect(Math.abs((mail?.date?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(received?.mailFrom).toBe('sender@example.com');
  });

  it('sends text alone as a single text/plain part', async () => {
    const sink = await sinkWith();
    await mailerFor(sink).send({ to: 'a@example.com', subject: 'Plain', text: 'Just text.\n' });
    const [received] = await sink.waitFor(1);
    expect(received?.parsed.headers.get('content-type')).toMatchObject({ value: 'text/plain' });
    expect(received?.parsed.text).toBe('Just text.\n');
    expect(received?.parsed.html).toBe(false);
  });

  it('ends every line in CRLF on the wire: no bare CR or LF, whatever the body had', async () => {
    const sink = await sinkWith();
    await mailerFor(sink).send({
      to: 'a@example.com',
      subject: 'Line breaks',
      text: 'one\ntwo\rthree\r\nfour',
      html: '<p>one</p>\r<p>two</p>\n',
    });
    const [received] = await sink.waitFor(1);
    const raw = received?.raw.toString('latin1') ?? '';
    expect(raw).not.toMatch(/\r(?!\n)/);
    expect(raw).not.toMatch(/(?<!\r)\n/);
    expect(received?.parsed.text).toBe('one\ntwo\nthree\nfour');
  });

  it('deduplicates recipients, puts every one in the envelope and never writes a Bcc header', async () => {
    const sink = await sinkWith();
    const result = await mailerFor(sink).send({
      to: ['One <one@example.com>', 'two@example.com'],
      cc: ['TWO@example.com', 'three@example.com', 'One@Example.com'],
      bcc: ['secret@example.com', 'three@EXAMPLE.com', 'Secret@example.com'],
      subject: 'Dedup',
      text: 'x',
    });
    const [received] = await sink.waitFor(1);
    expect(received?.rcptTo).toEqual([
      'one@example.com',
      'two@example.com',
      'three@example.com',
      'secret@example.com',
    ]);
    expect(addresses(received?.parsed.to)).toEqual(['one@example.com', 'two@example.com']);
    expect(addresses(received?.parsed.cc)).toEqual(['three@example.com']);
    expect(received?.parsed.bcc).toBeUndefined();
    expect(received?.raw.toString()).not.toMatch(/^bcc:/im);
    expect(received?.raw.toString()).not.toContain('secret@example.com');
    expect(result.ok && result.accepted).toHaveLength(4);
  });

  it('delivers a bcc-only message without leaking the recipient', async () => {
    const sink = await sinkWith();
    await mailerFor(sink).send({ to: [], bcc: 'hidden@example.com', subject: 'Quiet', text: 'x' });
    const [received] = await sink.waitFor(1);
    expect(received?.rcptTo).toEqual(['hidden@example.com']);
    expect(received?.raw.toString()).not.toContain('hidden@example.com');
  });

  it('encodes non-ASCII subjects and display names (RFC 2047) and IDN domains', async () => {
    const sink = await sinkWith();
    await mailerFor(sink).send({
      to: {
        address: 'jürgen@bücher.example'.replace('jürgen', 'juergen'),
        name: 'Jürgen Müller, Ph.D.',
      },
      subject: 'Grüße aus Köln – 你好 ✉️',
      text: 'Schöne Grüße',
    });
    const [received] = await sink.waitFor(1);
    const headerBlock = received?.raw.toString().split('\r\n\r\n')[0] ?? '';
    expect(headerBlock).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(headerBlock).toContain('=?UTF-8?');
    expect(received?.parsed.subject).toBe('Grüße aus Köln – 你好 ✉️');
    expect(received?.parsed.text?.trim()).toBe('Schöne Grüße');
    const to = received?.parsed.to as AddressObject;
    expect(to.value[0]?.name).toBe('Jürgen Müller, Ph.D.');
    // The domain travels as punycode; smtp-server shows the envelope decoded.
    expect(headerBlock).toContain('juergen@xn--bcher-kva.example');
    expect(received?.rcptTo).toEqual(['juergen@bücher.example']);
  });

  it('upgrades with STARTTLS and verifies a self-signed certificate trusted through ca', async () => {
    const certificate = createSelfSignedCertificate();
    const sink = await sinkWith({ certificate });
    const mailer = createMailer({
      from: 'a@example.com',
      backend: smtpBackend({
        host: 'localhost',
        port: sink.port,
        requireTLS: true,
        tls: { ca: certificate.cert },
      }),
    });
    open.push(mailer);
    await mailer.send({ to: 'b@example.com', subject: 'TLS', text: 'x' });
    const [received] = await sink.waitFor(1);
    expect(received?.secure).toBe(true);
  });

  it('upgrades with STARTTLS to a self-signed server when verification is relaxed', async () => {
    const sink = await sinkWith();
    await mailerFor(sink, { requireTLS: true }).send({
      to: 'a@example.com',
      subject: 'TLS',
      text: 'x',
    });
    const [received] = await sink.waitFor(1);
    expect(received?.secure).toBe(true);
  });

  it('verifies certificates by default: a self-signed server is refused and nothing arrives', async () => {
    const sink = await sinkWith({ certificate: createSelfSignedCertificate() });
    const mailer = createMailer({
      from: 'a@example.com',
      backend: smtpBackend({ host: sink.host, port: sink.port, requireTLS: true, pool: false }),
    });
    open.push(mailer);
    const error = await deliveryError(
      mailer.send({ to: 'b@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_PERMANENT');
    expect(error.message).toMatch(/certificate/i);
    expect(sink.messages).toHaveLength(0);
  });

  it('speaks implicit TLS (smtps)', async () => {
    const sink = await sinkWith({ secure: true });
    await mailerFor(sink, { secure: true }).send({
      to: 'a@example.com',
      subject: 'TLS',
      text: 'x',
    });
    const [received] = await sink.waitFor(1);
    expect(received?.secure).toBe(true);
  });

  it('reports implicit TLS against a plain-text port as permanent: a retry meets the same port', async () => {
    const sink = await sinkWith({ disableStartTls: true });
    const error = await deliveryError(
      mailerFor(sink, { secure: true }).send({ to: 'a@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_PERMANENT');
    expect(error.details).toMatchObject({ socketCode: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(sink.messages).toHaveLength(0);
  });

  it('authenticates, and reports bad credentials as permanent with the reply kept', async () => {
    const sink = await sinkWith({ auth: { user: 'mailer', pass: 's3cret' } });
    await mailerFor(sink, { auth: { user: 'mailer', pass: 's3cret' } }).send({
      to: 'a@example.com',
      subject: 'Auth',
      text: 'x',
    });
    const [received] = await sink.waitFor(1);
    expect(received?.user).toBe('mailer');
    const bad = mailerFor(sink, { auth: { user: 'mailer', pass: 'wrong' }, pool: false });
    const error = await deliveryError(
      bad.send({ to: 'a@example.com', subject: 'Auth', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_PERMANENT');
    expect(error.details.responseCode).toBe(535);
    expect(sink.messages).toHaveLength(1);
  });

  it('never sends credentials in clear by default: no STARTTLS, no AUTH', async () => {
    const sink = await sinkWith({
      auth: { user: 'mailer', pass: 's3cret' },
      disableStartTls: true,
    });
    const strict = mailerFor(sink, { auth: { user: 'mailer', pass: 's3cret' }, pool: false });
    const error = await deliveryError(
      strict.send({ to: 'a@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_PERMANENT');
    expect(sink.messages).toHaveLength(0);
    const relaxed = mailerFor(sink, {
      auth: { user: 'mailer', pass: 's3cret' },
      requireTLS: false,
    });
    await relaxed.send({ to: 'a@example.com', subject: 'x', text: 'x' });
    const [received] = await sink.waitFor(1);
    expect(received).toMatchObject({ user: 'mailer', secure: false });
  });

  it('classifies a 450 reply as temporary, keeping code and text', async () => {
    const sink = await sinkWith({
      dataReply: () => ({ code: 450, message: 'Mailbox busy, try later' }),
    });
    const error = await deliveryError(
      mailerFor(sink).send({ to: 'a@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_TEMPORARY');
    expect(error.temporary).toBe(true);
    expect(error.details.responseCode).toBe(450);
    expect(error.details.response).toContain('Mailbox busy, try later');
  });

  it('classifies a 550 reply as permanent, keeping code and text', async () => {
    const sink = await sinkWith({ dataReply: () => ({ code: 550, message: 'No such user here' }) });
    const error = await deliveryError(
      mailerFor(sink).send({ to: 'a@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_PERMANENT');
    expect(error.temporary).toBe(false);
    expect(error.details.responseCode).toBe(550);
    expect(error.details.response).toContain('No such user here');
  });

  it('reports recipients the server refused while delivering to the others', async () => {
    const sink = await sinkWith({
      rcptReply: (address) =>
        address.startsWith('gone') ? { code: 550, message: 'unknown user' } : undefined,
    });
    const result = await mailerFor(sink).send({
      to: ['ok@example.com', 'gone@example.com'],
      subject: 'Partial',
      text: 'x',
    });
    expect(result).toMatchObject({
      ok: true,
      accepted: ['ok@example.com'],
      rejected: ['gone@example.com'],
    });
    const [received] = await sink.waitFor(1);
    expect(received?.rcptTo).toEqual(['ok@example.com']);
  });

  it('tells recipients deferred for now (4xx) from those refused for good (5xx)', async () => {
    const sink = await sinkWith({
      rcptReply: (address) =>
        address.startsWith('gone')
          ? { code: 550, message: 'unknown user' }
          : address.startsWith('later')
            ? { code: 452, message: 'mailbox full, try later' }
            : undefined,
    });
    const mailer = mailerFor(sink);
    const sent: Array<MailerEvents['sent']> = [];
    mailer.on('sent', (payload) => sent.push(payload));
    const result = await mailer.send({
      to: ['ok@example.com', 'later@example.com', 'gone@example.com'],
      subject: 'Partial',
      text: 'x',
    });
    expect(result).toMatchObject({
      ok: true,
      accepted: ['ok@example.com'],
      rejected: ['later@example.com', 'gone@example.com'],
      deferred: ['later@example.com'],
    });
    expect(sent[0]).toMatchObject({ deferred: ['later@example.com'] });
    const plain = await mailer.send({ to: 'ok@example.com', subject: 'All in', text: 'x' });
    expect(plain).not.toHaveProperty('deferred');
  });

  it('classifies a closed port as temporary', async () => {
    const sink = await startSmtpSink();
    const { port } = sink;
    await sink.close();
    const mailer = createMailer({
      from: 'a@example.com',
      backend: smtpBackend({ host: '127.0.0.1', port, pool: false, connectionTimeoutMs: 2000 }),
    });
    open.push(mailer);
    const error = await deliveryError(
      mailer.send({ to: 'b@example.com', subject: 'x', text: 'x' }),
    );
    expect(error.code).toBe('DELIVERY_TEMPORARY');
    await expect(mailer.verify()).rejects.toMatchObject({ code: 'DELIVERY_TEMPORARY' });
  });

  it('verifies a working server', async () => {
    const sink = await sinkWith({ auth: { user: 'u', pass: 'p' } });
    await expect(
      mailerFor(sink, { auth: { user: 'u', pass: 'p' } }).verify(),
    ).resolves.toBeUndefined();
  });

  it('sends many messages concurrently through the pool and reports each outcome', async () => {
    const sink = await sinkWith({
      rcptReply: (address) =>
        address === 'bad@example.com' ? { code: 550, message: 'no' } : undefined,
    });
    const mailer = mailerFor(sink, { maxConnections: 3 });
    const inputs = Array.from({ length: 20 }, (_, i) => ({
      to: i === 7 ? 'bad@example.com' : `user${i}@example.com`,
      subject: `Message ${i}`,
      text: `Body ${i}`,
    }));
    const results = await mailer.sendMany(inputs, { concurrency: 5 });
    await sink.waitFor(19);
    expect(results.map((r) => r.ok)).toEqual(inputs.map((_, i) => i !== 7));
    expect(results[7]).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'DELIVERY_PERMANENT' },
    });
    expect(new Set(sink.messages.map((m) => m.parsed.subject)).size).toBe(19);
  });

  it('emits sending, sent and failed with the message id', async () => {
    const sink = await sinkWith({
      dataReply: (n) => (n === 2 ? { code: 451, message: 'later' } : undefined),
    });
    const mailer = mailerFor(sink);
    const events: Array<[string, { id: string; messageId?: string }]> = [];
    for (const name of ['sending', 'sent', 'failed'] as const) {
      mailer.on(name, (payload: MailerEvents[typeof name]) => events.push([name, payload]));
    }
    const ok = await mailer.send({ to: 'a@example.com', subject: 'x', text: 'x' });
    const failed = await mailer.send({
      to: 'a@example.com',
      subject: 'x',
      text: 'x',
      failSilently: true,
    });
    expect(failed).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'DELIVERY_TEMPORARY' },
    });
    expect(events.map(([name, payload]) => [name, payload.id, payload.messageId])).toEqual([
      ['sending', ok.id, ok.messageId],
      ['sent', ok.id, ok.messageId],
      ['sending', failed.id, failed.messageId],
      ['failed', failed.id, failed.messageId],
    ]);
  });

  it('lets a script that sends through the pool and never calls close() exit by itself', async () => {
    const sink = await sinkWith({ disableStartTls: true });
    const script = `
      import { createMailer } from '@mailroom/core';
      import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { smtpBackend } from '@mailroom/backend-smtp';
      const mailer = createMailer({ from: 'a@example.com', backend: smtpBackend({ host: '127.0.0.1', port: ${sink.port} }), queue: false });
      const result = await mailer.send({ to: 'b@example.com', subject: 'Script', text: 'x' });
      console.log(result.status);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(output.trim()).toBe('sent');
    expect(code).toBe(0);
    expect(sink.messages).toHaveLength(1);
  });

  it('refuses to send after close()', async () => {
    const sink = await sinkWith();
    const mailer = mailerFor(sink);
    await mailer.close();
    await expect(
      mailer.send({ to: 'a@example.com', subject: 'x', text: 'x' }),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(sink.dataAttempts).toBe(0);
  });
});
