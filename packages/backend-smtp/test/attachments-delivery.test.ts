import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smtpBackend } from '@mailroom/backend-smtp';
import {
  type AttachmentInput,
  type AttachmentOptions,
  createMailer,
  type Mailer,
} from '@mailroom/core';
import { type SmtpSink, startSmtpSink } from '@mailroom/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// A 1x1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n', 'latin1');
// 3 MiB of varied bytes: several base64 lines and stream chunks.
const BIG = Buffer.alloc(3 * 1024 * 1024);
for (let index = 0; index < BIG.length; index += 1) BIG[index] = (index * 31 + 7) % 251;

let dir: string;
let http: Server;
let origin: string;
const requested: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailroom-delivery-'));
  await writeFile(join(dir, 'report.pdf'), PDF);
  await writeFile(join(dir, 'big.bin'), BIG);
  http = createServer((request, response) => {
    requested.push(request.url ?? '');
    if (request.url === '/img/chart.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(PNG);
    } else if (request.url === '/export') {
      response.writeHead(200, {
        'content-type': 'text/csv',
        'content-disposition': 'attachment; filename="sales.csv"',
      });
      response.end('month,total\njan,10\n');
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function setup(attachments: AttachmentOptions = { allowPrivateNetworks: true }) {
  const sink: SmtpSink = await startSmtpSink();
  const mailer: Mailer = createMailer({
    from: 'Mailroom <sender@example.com>',
    backend: smtpBackend({
      host: sink.host,
      port: sink.port,
      tls: { rejectUnauthorized: false },
      connectionTimeoutMs: 2000,
    }),
    attachments,
  });
  open.push(sink, mailer);
  return { sink, mailer };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('attachments delivered over SMTP', () => {
  it('embeds a cid image that the HTML body references', async () => {
    const { sink, mailer } = await setup();
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Logo',
      html: '<p>Our logo:</p><img src="cid:logo@mailroom.test" alt="logo">',
      attachments: [{ content: PNG, filename: 'logo.png', cid: 'logo@mailroom.test' }],
    });
    const [received] = await sink.waitFor(1);
    const parsed = received?.parsed;
    const raw = received?.raw.toString() ?? '';
    expect(raw).toContain('src="cid:logo@mailroom.test"');
    expect(raw).toMatch(/^Content-ID: <logo@mailroom\.test>\r$/m);
    // mailparser resolves cid: references it can match to a part, as a mail client does.
    expect(parsed?.html).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
    const [image] = parsed?.attachments ?? [];
    expect(image).toMatchObject({
      filename: 'logo.png',
      contentType: 'image/png',
      contentDisposition: 'inline',
      cid: 'logo@mailroom.test',
      related: true,
    });
    expect(image?.content.equals(PNG)).toBe(true);
    expect(raw).toMatch(/multipart\/related/);
  });

  it('embeds a cid image fetched from a URL', async () => {
    const { sink, mailer } = await setup();
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Chart',
      html: '<img src="cid:chart">',
      attachments: [{ url: `${origin}/img/chart.png`, cid: 'chart' }],
    });
    const [image] = (await sink.waitFor(1))[0]?.parsed.attachments ?? [];
    expect(image).toMatchObject({ filename: 'chart.png', contentType: 'image/png', cid: 'chart' });
    expect(image?.content.equals(PNG)).toBe(true);
  });

  it('delivers file and URL attachments with their names, types and bytes', async () => {
    const { sink, mailer } = await setup();
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Files',
      text: 'Attached.',
      attachments: [
        join(dir, 'report.pdf'),
        `${origin}/export`,
        ['notes.txt', 'café ☕'],
        { contentBase64: PNG.toString('base64'), filename: 'pixel.png' },
      ],
    });
    const parsed = (await sink.waitFor(1))[0]?.parsed;
    expect(parsed?.text?.trim()).toBe('Attached.');
    const attachments = parsed?.attachments ?? [];
    expect(attachments.map((a) => [a.filename, a.contentType, a.contentDisposition])).toEqual([
      ['report.pdf', 'application/pdf', 'attachment'],
      ['sales.csv', 'text/csv', 'attachment'],
      ['notes.txt', 'text/plain', 'attachment'],
      ['pixel.png', 'image/png', 'attachment'],
    ]);
    expect(attachments[0]?.content.equals(PDF)).toBe(true);
    expect(attachments[1]?.content.toString()).toBe('month,total\njan,10\n');
    expect(attachments[2]?.content.toString('utf8')).toBe('café ☕');
    expect(attachments[3]?.content.equals(PNG)).toBe(true);
  });

  it('streams a 3 MiB file intact', async () => {
    const { sink, mailer } = await setup();
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Big',
      text: 'Big file.',
      attachments: [{ path: join(dir, 'big.bin'), filename: 'data.bin' }],
    });
    const [attachment] = (await sink.waitFor(1))[0]?.parsed.attachments ?? [];
    expect(attachment?.size).toBe(3 * 1024 * 1024);
    expect(sha256(attachment?.content ?? Buffer.alloc(0))).toBe(
      sha256(await readFile(join(dir, 'big.bin'))),
    );
  });

  it('delivers large in-memory bytes intact, a view into a larger buffer included', async () => {
    const { sink, mailer } = await setup();
    const file = BIG;
    // 1 MiB + 3 bytes starting 5 bytes into the buffer: pieces must follow the view's
    // offset and length, not its underlying ArrayBuffer's.
    const view = new Uint8Array(file.buffer, file.byteOffset + 5, 1024 * 1024 + 3);
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Bytes',
      text: 'Big bytes.',
      attachments: [
        { content: view, filename: 'view.bin' },
        { contentBase64: file.toString('base64'), filename: 'whole.bin' },
        ['edge.bin', file.subarray(0, 64 * 1024 + 1)],
      ],
    });
    const [fromView, whole, edge] = (await sink.waitFor(1))[0]?.parsed.attachments ?? [];
    expect(fromView?.content.equals(Buffer.from(view))).toBe(true);
    expect(whole?.content.equals(file)).toBe(true);
    expect(edge?.content.equals(file.subarray(0, 64 * 1024 + 1))).toBe(true);
  });

  it.each([
    ['large in-memory bytes', (): AttachmentInput => ['big.bin', BIG]],
    ['a file', (): AttachmentInput => join(dir, 'big.bin')],
  ])(
    'sends %s again in full when the server drops the pooled connection before taking the message',
    async (_, attachment) => {
      // The pooled connection the first message opened is dropped at the second MAIL
      // FROM: nodemailer then offers the same composed message over a new connection,
      // with the streamed part already abandoned.
      const sink = await startSmtpSink({
        disableStartTls: true,
        dropAtMailFrom: (attempt) => attempt === 2,
      });
      const mailer = createMailer({
        from: 'Mailroom <sender@example.com>',
        backend: smtpBackend({ host: sink.host, port: sink.port, maxConnections: 1 }),
      });
      open.push(sink, mailer);
      await mailer.send({
        to: 'alice@example.com',
        subject: 'First',
        text: 'Opens the connection.',
      });
      const result = await mailer.send({
        to: 'alice@example.com',
        subject: 'Second',
        text: 'Big.',
        attachments: [attachment()],
      });
      expect(result).toMatchObject({ ok: true, status: 'sent' });
      const [, second] = await sink.waitFor(2);
      expect(second?.parsed.attachments[0]?.content.equals(BIG)).toBe(true);
    },
  );

  it('labels a large message/rfc822 part by its content (such a part cannot be encoded)', async () => {
    const { sink, mailer } = await setup();
    const forwarded = `From: a@example.com\r\nSubject: Old\r\n\r\n${'plain ascii line\r\n'.repeat(5000)}`;
    await mailer.send({
      to: 'alice@example.com',
      subject: 'Fwd',
      text: 'Forwarded.',
      attachments: [{ content: forwarded, filename: 'old.eml', contentType: 'message/rfc822' }],
    });
    const raw = (await sink.waitFor(1))[0]?.raw.toString('latin1') ?? '';
    expect(raw).toMatch(/Content-Type: message\/rfc822[\s\S]*?Content-Transfer-Encoding: 7bit/i);
    expect(raw).toContain('plain ascii line\r\nplain ascii line');
  });
});

describe('a failing attachment sends nothing', () => {
  it.each([
    ['a 404 URL', () => `${origin}/missing.pdf`, 'ATTACHMENT_FETCH_FAILED'],
    ['a missing file', () => join(dir, 'nope.pdf'), 'ATTACHMENT_NOT_FOUND'],
    ['invalid base64', () => ({ contentBase64: 'not base64!' }), 'ATTACHMENT_INVALID_BASE64'],
  ])('%s', async (_, attachment, code) => {
    const { sink, mailer } = await setup();
    await expect(
      mailer.send({
        to: 'alice@example.com',
        subject: 'Broken',
        text: 'x',
        attachments: [join(dir, 'report.pdf'), attachment()],
      }),
    ).rejects.toMatchObject({
      code,
      details: { field: expect.stringMatching(/^attachments\[1\]/) },
    });
    await expect(sink.waitFor(1, 300)).rejects.toThrow('expected 1 messages, got 0');
    expect(sink.dataAttempts).toBe(0);
  });

  // nodemailer re-codes a part's stream error as ESTREAM; the backend gives it back its code.
  it.each([
    ['pooled', true],
    ['not pooled', false],
  ])('a file changed since it was checked, %s, with its attachment error', async (_, pool) => {
    const sink = await startSmtpSink({ disableStartTls: true });
    const smtp = smtpBackend({ host: sink.host, port: sink.port, pool });
    let change = async () => {};
    const mailer = createMailer({
      from: 'sender@example.com',
      queue: false,
      backend: {
        name: 'smtp',
        async send(message) {
          await change();
          return smtp.send(message);
        },
        close: () => smtp.close(),
      },
    });
    open.push(sink, mailer);
    const file = join(dir, `changing-${pool}.bin`);
    const cases: Array<[() => Promise<void>, string]> = [
      [() => truncate(file, 10), 'ATTACHMENT_INVALID'],
      [
        () => writeFile(`${file}.new`, 'other').then(() => rename(`${file}.new`, file)),
        'ATTACHMENT_NOT_FOUND',
      ],
    ];
    for (const [changeFile, code] of cases) {
      await writeFile(file, Buffer.alloc(300_000, 66));
      change = changeFile;
      const attempt = mailer.send({
        to: 'alice@example.com',
        subject: 'S',
        text: 'x',
        attachments: [file],
      });
      await expect(attempt).rejects.toMatchObject({ name: 'AttachmentError', code });
    }
    await expect(sink.waitFor(1, 300)).rejects.toThrow('expected 1 messages, got 0');
  });

  it('a URL to a private address when private networks are not allowed', async () => {
    const { sink, mailer } = await setup({});
    const before = requested.length;
    await expect(
      mailer.send({
        to: 'alice@example.com',
        subject: 'Blocked',
        html: '<img src="cid:c">',
        attachments: [{ url: `${origin}/img/chart.png`, cid: 'c' }],
      }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_URL_BLOCKED' });
    expect(requested.length).toBe(before);
    await expect(sink.waitFor(1, 300)).rejects.toThrow();
    expect(sink.dataAttempts).toBe(0);
  });
});
