import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleBackend } from '@mailroom/backend-console';
import { createMailer, mailerConfigFromEnv } from '@mailroom/core';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function capture(): { output: string[]; write: (text: string) => void } {
  const output: string[] = [];
  return { output, write: (text) => output.push(text) };
}

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('Console backend', () => {
  it('prints envelope with bcc, composed headers, both bodies and attachments as name/type/size', async () => {
    const { output, write } = capture();
    const mailer = createMailer({
      from: 'App <app@example.com>',
      backend: consoleBackend({ write }),
    });
    const result = await mailer.send({
      to: 'Alice <alice@example.com>',
      bcc: 'audit@example.com',
      subject: 'Grüße',
      html: '<p>Hello <b>Alice</b></p>',
      attachments: [{ filename: 'logo.png', content: png, contentType: 'image/png' }],
    });
    const printed = output.join('');
    expect(result).toMatchObject({
      ok: true,
      status: 'sent',
      accepted: ['alice@example.com', 'audit@example.com'],
    });
    expect(printed).toContain('Envelope to:   alice@example.com, audit@example.com');
    expect(printed).toContain('bcc: audit@example.com');
    expect(printed).toContain(`Message-ID: ${result.messageId}`);
    expect(printed).toContain('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=');
    expect(printed).toContain('Subject:       Grüße');
    expect(printed).not.toMatch(/^Bcc:/m);
    expect(printed).toContain('--- text/plain ---\nHello Alice');
    expect(printed).toContain('--- text/html ---\n<p>Hello <b>Alice</b></p>');
    expect(printed).toContain('  logo.png  image/png  16 B');
    expect(printed).not.toContain(png.toString('base64'));
  });

  it('writes each message as a complete .eml file when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailroom-eml-'));
    dirs.push(dir);
    const { write } = capture();
    const mailer = createMailer({
      from: 'app@example.com',
      backend: consoleBackend({ write, emlDir: dir }),
    });
    const result = await mailer.send({
      to: 'bob@example.com',
      subject: 'Saved',
      text: 'Body',
      attachments: [{ filename: 'a.txt', content: 'attached text' }],
    });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`${result.id}\\.eml$`));
    const parsed = await simpleParser(await readFile(join(dir, files[0] ?? '')));
    expect(parsed.subject).toBe('Saved');
    expect(parsed.text?.trim()).toBe('Body');
    expect(parsed.messageId).toBe(result.messageId);
    expect(parsed.attachments[0]?.content.toString()).toBe('attached text');
  });

  it('writes the .eml file with CRLF line ends only, whatever the body had', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mailroom-eml-'));
    dirs.push(dir);
    const mailer = createMailer({
      from: 'app@example.com',
      backend: consoleBackend({ write: capture().write, emlDir: dir }),
    });
    await mailer.send({ to: 'bob@example.com', subject: 'S', text: 'one\ntwo\rthree\r\nfour' });
    const [file] = await readdir(dir);
    const eml = await readFile(join(dir, file ?? ''), 'latin1');
    expect(eml).not.toMatch(/\r(?!\n)/);
    expect(eml).not.toMatch(/(?<!\r)\n/);
    expect(eml).toContain('one\r\ntwo\r\nthree\r\nfour');
  });

  it('never prints SMTP credentials from the environment', async () => {
    const config = await mailerConfigFromEnv({
      MAIL_BACKEND: 'console',
      MAIL_FROM: 'app@example.com',
      SMTP_URL: 'smtp://mailer:hunter2-secret@smtp.example.com:587',
    });
    expect(config.backend.name).toBe('console');
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await createMailer(config).send({ to: 'a@example.com', subject: 'x', text: 'x' });
    } finally {
      process.stdout.write = original;
    }
    expect(lines.join('')).toContain('Envelope to:   a@example.com');
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('rejects invalid options with CONFIG_INVALID naming the key', () => {
    expect(() => consoleBackend({ emlDir: '' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => consoleBackend({ emldir: '/tmp/eml' } as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { key: 'emldir' } }),
    );
    expect(() => consoleBackend({ write: 'stdout' as unknown as () => void })).toThrow(
      expect.objectContaining({ details: { key: 'write' } }),
    );
  });
});
