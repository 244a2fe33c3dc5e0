import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttachmentInput,
  type AttachmentOptions,
  createMailer,
  resolveAttachments,
  resolveMessage,
} from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../src/attachments/map-concurrently.js';
import { SizeBudget } from '../../src/attachments/size-budget.js';
import { PDF, PNG, startHttpServer, type TestServer } from './servers.js';

let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailroom-forms-'));
  await writeFile(join(dir, 'report.pdf'), PDF);
  server = await startHttpServer((_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(PNG);
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await server.close();
});

const summary = async (inputs: readonly AttachmentInput[], options: AttachmentOptions = {}) =>
  (await resolveAttachments(inputs, options)).map(
    ({ filename, contentType, size, inline, cid, source }) => ({
      filename,
      contentType,
      size,
      inline,
      ...(cid === undefined ? {} : { cid }),
      kind: source.kind,
    }),
  );

describe('every attachment form', () => {
  it('resolves each form of the contract', async () => {
    const path = join(dir, 'report.pdf');
    const resolved = await summary(
      [
        path,
        server.url('/img/logo.png'),
        new URL(server.url('/img/url-object.png')),
        new Uint8Array([1, 2, 3]),
        Buffer.from('buffer'),
        { path },
        { url: server.url('/img/from-object.png'), headers: { 'x-a': 'b' } },
        { content: PNG, filename: 'pixel.png' },
        { content: 'héllo', filename: 'greeting.txt' },
        { contentBase64: PDF.toString('base64') },
        ['data.csv', 'a,b\n'],
        ['bytes.bin', new Uint8Array([0]), 'application/x-thing'],
        `data:image/png;base64,${PNG.toString('base64')}`,
      ],
      { allowPrivateNetworks: true },
    );
    expect(resolved).toEqual([
      {
        filename: 'report.pdf',
        contentType: 'application/pdf',
        size: PDF.length,
        inline: false,
        kind: 'file',
      },
      { filename: 'logo.png', contentType: 'image/png', size: 12, inline: false, kind: 'bytes' },
      {
        filename: 'url-object.png',
        contentType: 'image/png',
        size: 12,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'attachment-4.bin',
        contentType: 'application/octet-stream',
        size: 3,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'attachment-5.bin',
        contentType: 'application/octet-stream',
        size: 6,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'report.pdf',
        contentType: 'application/pdf',
        size: PDF.length,
        inline: false,
        kind: 'file',
      },
      {
        filename: 'from-object.png',
        contentType: 'image/png',
        size: 12,
        inline: false,
        kind: 'bytes',
      },
      { filename: 'pixel.png', contentType: 'image/png', size: 12, inline: false, kind: 'bytes' },
      {
        filename: 'greeting.txt',
        contentType: 'text/plain; charset=utf-8',
        size: 6,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'attachment-10.bin',
        contentType: 'application/pdf',
        size: PDF.length,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'data.csv',
        contentType: 'text/csv; charset=utf-8',
        size: 4,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'bytes.bin',
        contentType: 'application/x-thing',
        size: 1,
        inline: false,
        kind: 'bytes',
      },
      {
        filename: 'attachment-13.bin',
        contentType: 'image/png',
        size: 12,
        inline: false,
        kind: 'bytes',
      },
    ]);
  });

  it('returns an empty list for no attachments', async () => {
    await expect(resolveAttachments(undefined)).resolves.toEqual([]);
    await expect(resolveAttachments([])).resolves.toEqual([]);
  });

  it('treats a Windows drive path as a path, not a URL scheme', async () => {
    await expect(resolveAttachments(['C:\\reports\\q3.pdf'])).rejects.toMatchObject({
      code: 'ATTACHMENT_NOT_FOUND',
    });
  });

  it('gives text content text/plain in UTF-8', async () => {
    const [attachment] = await resolveAttachments([{ content: 'naïve' }]);
    expect(attachment).toMatchObject({ contentType: 'text/plain; charset=utf-8', size: 6 });
  });
});

describe('inline and cid', () => {
  it('makes an attachment with a cid inline by default', async () => {
    const resolved = await summary([
      { content: PNG, filename: 'logo.png', cid: 'logo@mailroom' },
      { content: PNG, filename: 'chart.png', cid: 'chart@mailroom', inline: false },
      { content: PNG, filename: 'badge.png', inline: true },
    ]);
    expect(resolved.map(({ inline, cid }) => ({ inline, cid }))).toEqual([
      { inline: true, cid: 'logo@mailroom' },
      { inline: false, cid: 'chart@mailroom' },
      { inline: true, cid: undefined },
    ]);
  });
});

describe('size limits', () => {
  it('enforces maxBytes on bytes and on UTF-8 text', async () => {
    await expect(resolveAttachments([new Uint8Array(10)], { maxBytes: 10 })).resolves.toHaveLength(
      1,
    );
    await expect(resolveAttachments([new Uint8Array(11)], { maxBytes: 10 })).rejects.toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { field: 'attachments[0]', size: 11, limit: 10 },
    });
    await expect(resolveAttachments([{ content: 'ééééé' }], { maxBytes: 9 })).rejects.toMatchObject(
      {
        code: 'ATTACHMENT_TOO_LARGE',
        details: { size: 10 },
      },
    );
  });

  it('enforces maxTotalBytes across every kind of source', async () => {
    const inputs: AttachmentInput[] = [
      new Uint8Array(4),
      join(dir, 'report.pdf'),
      { contentBase64: 'AAAA' },
      server.url('/x.png'),
    ];
    const total = 4 + PDF.length + 3 + 12;
    const options = { allowPrivateNetworks: true };
    await expect(
      resolveAttachments(inputs, { ...options, maxTotalBytes: total }),
    ).resolves.toHaveLength(4);
    await expect(
      resolveAttachments(inputs, { ...options, maxTotalBytes: total - 1 }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_TOTAL_TOO_LARGE', details: { limit: total - 1 } });
  });

  it('defaults maxBytes to 25 MiB', async () => {
    await expect(resolveAttachments([new Uint8Array(25 * 1024 * 1024)])).resolves.toHaveLength(1);
    await expect(resolveAttachments([new Uint8Array(25 * 1024 * 1024 + 1)])).rejects.toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
    });
  });
});

describe('SizeBudget', () => {
  it('claims growth only once and returns unused room on settle', () => {
    const budget = new SizeBudget(100, 150);
    const first = budget.claim('attachments[0]');
    const second = budget.claim('attachments[1]');
    first.grow(100);
    first.grow(60, true);
    first.settle(60);
    second.grow(90);
    expect(() => second.grow(91)).toThrow(
      expect.objectContaining({
        code: 'ATTACHMENT_TOTAL_TOO_LARGE',
        details: { field: 'attachments[1]', size: 151, limit: 150 },
      }),
    );
  });

  it('says "at least" for a running count', () => {
    expect(() => new SizeBudget(10, undefined).claim('a').grow(11, true)).toThrow(
      'at least 11 bytes',
    );
  });
});

describe('mapConcurrently', () => {
  it('runs at most `limit` tasks at once and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (delay) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, delay * 5));
      running -= 1;
      return delay * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });

  it('aborts running tasks and starts no more after the first failure', async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const failure = new Error('first');
    await expect(
      mapConcurrently([0, 1, 2, 3, 4], 2, (item, signal) => {
        started.push(item);
        if (item === 1) return Promise.reject(failure);
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted.push(item);
            reject(new Error(`aborted ${item}`));
          });
        });
      }),
    ).rejects.toBe(failure);
    expect(started).toEqual([0, 1]);
    expect(aborted).toEqual([0]);
  });
});

describe('configuration', () => {
  it.each([
    [{ allowPrivateNetworks: 'yes' }, 'attachments.allowPrivateNetworks'],
    [{ allowPrivateNetworks: ['10.0.0.0/8', 'intranet'] }, 'attachments.allowPrivateNetworks[1]'],
    [{ lookup: 'dns' }, 'attachments.lookup'],
    [{ maxBytes: 0 }, 'attachments.maxBytes'],
    [{ timeoutMs: 1.5 }, 'attachments.timeoutMs'],
    [{ allowPrivate: true }, 'attachments.allowPrivate'],
  ])('refuses %j with CONFIG_INVALID naming %s', (attachments, key) => {
    expect(() =>
      createMailer({ backend: testBackend(), attachments: attachments as AttachmentOptions }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { key } }));
  });

  it('accepts the full set of options', () => {
    expect(() =>
      createMailer({
        backend: testBackend(),
        attachments: {
          maxBytes: 1024,
          maxTotalBytes: 4096,
          allowedDirs: [dir],
          allowPrivateNetworks: ['127.0.0.1', 'fd00::/8'],
          timeoutMs: 5000,
          lookup: async () => [{ address: '127.0.0.1', family: 4 }],
        },
      }),
    ).not.toThrow();
  });

  it('applies the mailer options when sending', async () => {
    const backend = testBackend();
    const mailer = createMailer({
      from: 'app@example.com',
      backend,
      attachments: { maxBytes: 4 },
    });
    await expect(
      mailer.send({
        to: 'a@example.com',
        subject: 'S',
        text: 't',
        attachments: [new Uint8Array(5)],
      }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_TOO_LARGE' });
    const result = await mailer.send({
      to: 'a@example.com',
      subject: 'S',
      text: 't',
      attachments: [new Uint8Array(4)],
    });
    expect(result.ok).toBe(true);
    expect(backend.sent[0]?.attachments[0]?.filename).toBe('attachment-1.bin');
    await mailer.close();
  });
});

describe('resolveMessage', () => {
  it('accepts a message whose only content is an attachment', async () => {
    const message = await resolveMessage(
      { to: 'a@example.com', subject: 'Scan', attachments: [join(dir, 'report.pdf')] },
      { from: { address: 'app@example.com' } },
    );
    expect(message.attachments[0]?.source).toEqual({
      kind: 'file',
      path: expect.stringMatching(/report\.pdf$/),
      dev: expect.any(Number),
      ino: expect.any(Number),
    });
  });
});
