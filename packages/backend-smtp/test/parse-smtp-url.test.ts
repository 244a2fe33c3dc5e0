import { parseSmtpUrl, smtpBackend } from '@mailroom/backend-smtp';
import { createMailer } from '@mailroom/core';
import { startSmtpSink } from '@mailroom/testkit';
import { describe, expect, it } from 'vitest';

describe('parseSmtpUrl', () => {
  it('reads smtp:// with STARTTLS defaults and percent-decoded credentials', () => {
    expect(parseSmtpUrl('smtp://us%40er:p%3Ass%2Fw@mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      auth: { user: 'us@er', pass: 'p:ss/w' },
    });
  });

  it('reads smtps:// as implicit TLS on 465, and explicit ports and parameters', () => {
    expect(parseSmtpUrl('smtps://mail.example.com')).toMatchObject({ port: 465, secure: true });
    expect(parseSmtpUrl('smtp://[::1]:2525?requireTLS=true&rejectUnauthorized=false')).toEqual({
      host: '::1',
      port: 2525,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
  });

  it.each([
    ['not a url', 'url'],
    ['https://mail.example.com', 'url'],
    ['smtp://mail.example.com?requireTLS=yes', 'url?requireTLS'],
    ['smtp://mail.example.com?pool=false', 'url?pool'],
    ['smtp://u:%E0%A4%A@mail.example.com', 'url.password'],
    ['smtp://:s3cret@mail.example.com:587', 'url.user'],
  ])('rejects %s naming %s', (url, key) => {
    expect(() => parseSmtpUrl(url)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { key } }),
    );
  });
});

describe('smtpBackend options', () => {
  it.each([
    [{}, 'host'],
    [{ host: 'h', port: 0 }, 'port'],
    [{ host: 'h', port: 70000 }, 'port'],
    [{ host: 'h', secure: 'yes' }, 'secure'],
    [{ host: 'h', auth: { user: 'u' } }, 'auth.pass'],
    [{ host: 'h', maxConnections: 0 }, 'maxConnections'],
    [{ host: 'h', socketTimeoutMs: -5 }, 'socketTimeoutMs'],
    [{ host: 'h', tls: { rejectUnauthorised: false } }, 'tls.rejectUnauthorised'],
    [{ host: 'h', tls: { minVersion: 'TLSv1' } }, 'tls.minVersion'],
    [{ host: 'h', poolSize: 3 }, 'poolSize'],
  ])('rejects %o naming %s', (options, key) => {
    expect(() => smtpBackend(options as Parameters<typeof smtpBackend>[0])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { key } }),
    );
  });

  it('lets explicit options win over the URL', async () => {
    const sink = await startSmtpSink({ disableStartTls: true });
    const mailer = createMailer({
      from: 'a@example.com',
      backend: smtpBackend({
        url: 'smtp://nowhere.invalid:1',
        host: sink.host,
        port: sink.port,
        pool: false,
      }),
    });
    await mailer.send({ to: 'b@example.com', subject: 'x', text: 'x' });
    expect(await sink.waitFor(1)).toHaveLength(1);
    await mailer.close();
    await sink.close();
  });
});
