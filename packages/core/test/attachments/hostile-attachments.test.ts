import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttachmentInput,
  type AttachmentLookup,
  type AttachmentOptions,
  createMailer,
  resolveAttachments,
} from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG, rejectionOf, startHttpServer, type TestServer } from './servers.js';

/** Resolving `inputs` must fail with `code`, naming `field` when given. */
async function expectRefused(
  inputs: readonly unknown[],
  code: string,
  options: AttachmentOptions = {},
  field?: string,
) {
  const error = await rejectionOf(
    resolveAttachments(inputs as readonly AttachmentInput[], options),
  );
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.details.field).toBe(field);
  return error;
}

// Swaps <base>/allowed/sub for a symlink to <base>/outside and back, as fast as it can.
const SWAP_DIRECTORY_FOR_SYMLINK = `
const { renameSync, symlinkSync, unlinkSync } = require('node:fs');
const base = process.argv[1];
for (;;) {
  try {
    renameSync(base + '/allowed/sub', base + '/allowed/sub-real');
    symlinkSync(base + '/outside', base + '/allowed/sub');
    unlinkSync(base + '/allowed/sub');
    renameSync(base + '/allowed/sub-real', base + '/allowed/sub');
  } catch {}
}`;

const toLoopback: AttachmentLookup = async () => [{ address: '127.0.0.1', family: 4 }];

let server: TestServer;
let secondLoopback: TestServer | undefined;
let dir: string;

beforeAll(async () => {
  server = await startHttpServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/logo.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(PNG);
      return;
    }
    if (url.pathname === '/go') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      response.end();
      return;
    }
    if (url.pathname === '/evil-name') {
      response.writeHead(200, {
        'content-disposition': "attachment; filename*=UTF-8''a%0D%0ABcc%3A%20x%40evil.test.pdf",
      });
      response.end('x');
      return;
    }
    response.writeHead(200);
    response.end('ok');
  });
  dir = await mkdtemp(join(tmpdir(), 'mailroom-hostile-'));
  await mkdir(join(dir, 'allowed'));
  await mkdir(join(dir, 'allowed_evil'));
  await writeFile(join(dir, 'allowed', 'ok.txt'), 'fine');
  await writeFile(join(dir, 'allowed_evil', 'secret.txt'), 'secret');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(dir, 'allowed', 'link.txt'));
  execFileSync('mkfifo', [join(dir, 'pipe')]);
});

afterAll(async () => {
  await server.close();
  await secondLoopback?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hostile attachment forms', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
    ['a function', () => 'x'],
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['a Uint16Array', new Uint16Array(2)],
    ['a Map', new Map([['path', '/etc/passwd']])],
    ['an empty object', {}],
    ['two sources', { path: '/etc/hosts', url: 'https://example.com/a' }],
    ['an unknown field', { content: 'x', encoding: 'base64' }],
    ['a tuple of one', ['a.txt']],
    ['a tuple with a non-string name', [42, 'x']],
    ['a tuple with an object content', ['a.txt', { path: '/etc/passwd' }]],
    ['an empty path', ''],
    ['headers on a path', { path: 'a.txt', headers: { a: 'b' } }],
    ['content of the wrong type', { content: 42 }],
    ['inline that is not a boolean', { content: 'x', inline: 'yes' }],
  ])('refuses %s with ATTACHMENT_INVALID naming the position', async (_, input) => {
    const error = await expectRefused(['data:,ok', 'data:,ok', input], 'ATTACHMENT_INVALID');
    expect(String(error.details.field)).toMatch(/^attachments\[2\]/);
  });

  it('refuses a hole in a sparse array', async () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the hostile input
    await expectRefused(['data:,a', , 'data:,b'], 'ATTACHMENT_INVALID', {}, 'attachments[1]');
  });

  it('refuses attachments that are not an array', async () => {
    const error = await rejectionOf(
      resolveAttachments('./report.pdf' as unknown as readonly AttachmentInput[]),
    );
    expect(error).toMatchObject({ name: 'ValidationError', code: 'INVALID_INPUT' });
  });

  it('refuses a path with a NUL character', async () => {
    await expectRefused(['/etc/passwd\0.png'], 'ATTACHMENT_INVALID', {}, 'attachments[0]');
  });
});

describe('hostile names, types and ids', () => {
  it.each([
    ['CR LF in a filename', { content: 'x', filename: 'a.pdf\r\nBcc: x@evil.test' }, 'filename'],
    ['LF in a filename', { content: 'x', filename: 'a\n.pdf' }, 'filename'],
    ['NUL in a filename', { content: 'x', filename: 'a.pdf\0.exe' }, 'filename'],
    [
      'CR LF in a content type',
      { content: 'x', contentType: 'text/plain\r\nX-Evil: 1' },
      'contentType',
    ],
    ['CR LF in a cid', { content: 'x', cid: 'logo\r\nX-Evil: 1' }, 'cid'],
    [
      'CR LF in a request header',
      { url: 'https://example.com/a', headers: { 'x-a': 'b\r\nHost: evil' } },
      'headers.x-a',
    ],
  ])('refuses %s with HEADER_INJECTION', async (_, input, field) => {
    const error = await expectRefused([input], 'HEADER_INJECTION', {}, `attachments[0].${field}`);
    expect(error.name).toBe('ValidationError');
  });

  it('refuses CR LF in a tuple filename with HEADER_INJECTION', async () => {
    await expectRefused([['a\r\n.txt', 'x']], 'HEADER_INJECTION', {}, 'attachments[0][0]');
  });

  it('refuses CR LF smuggled through a percent-encoded URL segment', async () => {
    await expectRefused(
      [server.url('/evil%0d%0aname.png')],
      'HEADER_INJECTION',
      { allowPrivateNetworks: true },
      'attachments[0].filename',
    );
  });

  it("refuses CR LF smuggled through the server's Content-Disposition", async () => {
    await expectRefused([server.url('/evil-name')], 'HEADER_INJECTION', {
      allowPrivateNetworks: true,
    });
  });

  it('reduces a traversal filename to its base name', async () => {
    const [attachment] = await resolveAttachments([
      { content: 'x', filename: '../../etc/cron.d/evil' },
      { content: 'x', filename: '..\\..\\Windows\\evil.bat' },
    ] as AttachmentInput[]);
    expect(attachment?.filename).toBe('evil');
  });

  it.each([
    ['a type without subtype', { content: 'x', contentType: 'text' }, 'contentType'],
    ['a type with spaces', { content: 'x', contentType: 'text/ html' }, 'contentType'],
    ['a cid with angle brackets', { content: 'x', cid: '<logo@x>' }, 'cid'],
    ['a cid with spaces', { content: 'x', cid: 'logo x' }, 'cid'],
    ['a 300-character filename', { content: 'x', filename: `${'a'.repeat(300)}.pdf` }, 'filename'],
    [
      'a reserved request header',
      { url: 'https://example.com/a', headers: { Host: 'internal' } },
      'headers.Host',
    ],
    [
      'accept-encoding in request headers',
      { url: 'https://example.com/a', headers: { 'accept-encoding': 'gzip' } },
      'headers.accept-encoding',
    ],
    ['credentials in a URL', { url: 'https://user:pass@example.com/a' }, 'url'],
  ])('refuses %s with ATTACHMENT_INVALID', async (_, input, field) => {
    await expectRefused([input], 'ATTACHMENT_INVALID', {}, `attachments[0].${field}`);
  });

  it('refuses a Content-ID used twice', async () => {
    await expectRefused(
      [
        { content: PNG, cid: 'logo@x' },
        { content: PNG, cid: 'LOGO@x' },
      ],
      'ATTACHMENT_INVALID',
      {},
      'attachments[1].cid',
    );
  });
});

describe('hostile base64 and data: URLs', () => {
  it.each([
    ['URL-safe characters', 'aGVsbG8-d29ybGQ_'],
    ['a stray symbol', 'aGVs*bG8='],
    ['non-ASCII letters', 'aGVsbG8é'],
    ['data after padding', 'aGVsbA==aGVsbA=='],
    ['too much padding', 'aGVsbG8==='],
    ['wrong padding', 'aGVsbA='],
    ['a lone final character', 'aGVsbG8hQ'],
    ['non-zero trailing bits', 'aGVsbG9='],
  ])('refuses %s with ATTACHMENT_INVALID_BASE64', async (_, base64) => {
    await expectRefused(
      [{ contentBase64: base64 }],
      'ATTACHMENT_INVALID_BASE64',
      {},
      'attachments[0].contentBase64',
    );
  });

  it('refuses bad base64 in a data: URL', async () => {
    await expectRefused(['data:image/png;base64,iVBO!!'], 'ATTACHMENT_INVALID_BASE64');
  });

  it('refuses a data: URL without a comma', async () => {
    await expectRefused(['data:text/plain;base64'], 'ATTACHMENT_INVALID');
  });

  it('refuses oversized base64 from its encoded length, before decoding', async () => {
    const error = await expectRefused(
      [{ contentBase64: 'A'.repeat(4 * 1000) }],
      'ATTACHMENT_TOO_LARGE',
      { maxBytes: 2999 },
    );
    expect(error.details).toMatchObject({ size: 3000, limit: 2999 });
  });

  it('refuses an oversized data: URL before decoding', async () => {
    await expectRefused([`data:,${'%41'.repeat(100)}`], 'ATTACHMENT_TOO_LARGE', { maxBytes: 99 });
  });
});

describe('hostile URLs: schemes', () => {
  it.each([
    'file:///etc/passwd',
    'FILE:///etc/shadow',
    'ftp://example.com/a.pdf',
    'gopher://127.0.0.1:6379/_FLUSHALL',
    'javascript:alert(1)',
    'dict://127.0.0.1:11211/stats',
  ])('refuses %s with ATTACHMENT_URL_SCHEME', async (url) => {
    await expectRefused([url], 'ATTACHMENT_URL_SCHEME', {}, 'attachments[0]');
  });

  it('refuses a URL object with a file: scheme', async () => {
    await expectRefused([new URL('file:///etc/passwd')], 'ATTACHMENT_URL_SCHEME');
  });

  it('refuses a redirect to file:', async () => {
    await expectRefused([server.url('/go?to=file:///etc/passwd')], 'ATTACHMENT_URL_SCHEME', {
      allowPrivateNetworks: true,
    });
  });
});

describe('hostile URLs: blocked addresses', () => {
  it.each([
    ['loopback', 'http://127.0.0.1/'],
    ['loopback elsewhere in 127/8', 'http://127.10.20.30/'],
    ['decimal loopback', 'http://2130706433/'],
    ['hex loopback', 'http://0x7f.1/'],
    ['hex loopback in one number', 'http://0x7f000001/'],
    ['octal loopback', 'http://0177.0.0.1/'],
    ['short loopback', 'http://127.1/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6, hex form', 'http://[::ffff:7f00:1]/'],
    ['IPv4-compatible IPv6', 'http://[::127.0.0.1]/'],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['private 10/8', 'http://10.0.0.1/'],
    ['private 172.16/12', 'http://172.31.255.255/'],
    ['private 192.168/16', 'http://192.168.1.1/'],
    ['IPv6 unique local', 'http://[fd00::1]/'],
    ['carrier-grade NAT', 'http://100.64.0.1/'],
    ['reserved 240/4', 'http://240.0.0.1/'],
    ['documentation', 'http://192.0.2.1/'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/'],
    ['6to4', 'http://[2002:7f00:1::]/'],
  ])('refuses %s', async (_, url) => {
    const error = await expectRefused([url], 'ATTACHMENT_URL_BLOCKED', {}, 'attachments[0]');
    expect(error.details.kind).toBeTypeOf('string');
  });

  it.each([
    ['unspecified', 'http://0.0.0.0/'],
    ['unspecified, short form', 'http://0/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['multicast', 'http://224.0.0.1/'],
    ['IPv6 multicast', 'http://[ff02::1]/'],
    ['broadcast', 'http://255.255.255.255/'],
    ['unspecified, IPv4-mapped', 'http://[::ffff:0.0.0.0]/'],
    ['multicast, IPv4-mapped', 'http://[::ffff:224.0.0.1]/'],
  ])('refuses %s even with allowPrivateNetworks: true', async (_, url) => {
    await expectRefused([url], 'ATTACHMENT_URL_BLOCKED', { allowPrivateNetworks: true });
  });

  it('refuses a public-looking name that resolves to loopback, and connects nowhere', async () => {
    const before = server.requests.length;
    const error = await expectRefused(
      [`http://public.test:${server.port}/logo.png`],
      'ATTACHMENT_URL_BLOCKED',
      { lookup: toLoopback },
    );
    expect(error.details).toMatchObject({
      host: 'public.test',
      address: '127.0.0.1',
      kind: 'loopback',
    });
    expect(server.requests.length).toBe(before);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    await expectRefused(['http://mixed.test/'], 'ATTACHMENT_URL_BLOCKED', {
      lookup: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
  });

  it('refuses a name that resolves to IPv4-mapped IPv6', async () => {
    await expectRefused(['http://mapped.test/'], 'ATTACHMENT_URL_BLOCKED', {
      lookup: async () => [{ address: '::ffff:169.254.169.254', family: 6 }],
    });
  });

  it('refuses a lookup answer that is not an address', async () => {
    await expectRefused(['http://odd.test/'], 'ATTACHMENT_FETCH_FAILED', {
      lookup: async () => [{ address: 'localhost', family: 4 }],
    });
  });

  // Redirects: the local test server is allowed by naming its exact address in
  // allowPrivateNetworks, so only the first hop may reach a non-public address.
  const firstHopOnly: AttachmentOptions = { allowPrivateNetworks: ['127.0.0.1'] };

  it('allows the named address itself', async () => {
    const [attachment] = await resolveAttachments([server.url('/logo.png')], firstHopOnly);
    expect(attachment?.contentType).toBe('image/png');
  });

  it.each([
    ['another loopback address', 'http://127.0.0.2:1/'],
    ['IPv6 loopback', 'http://[::1]:1/'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/iam/'],
    ['a private network', 'http://10.0.0.1/'],
    ['a numeric loopback form', 'http://2130706434/'],
  ])('refuses a redirect to %s', async (_, target) => {
    await expectRefused(
      [server.url(`/go?to=${encodeURIComponent(target)}`)],
      'ATTACHMENT_URL_BLOCKED',
      firstHopOnly,
      'attachments[0]',
    );
  });

  it('refuses a redirect to a server on another loopback address before connecting', async () => {
    secondLoopback = await startHttpServer((_, response) => response.end('leaked'), '127.0.0.2');
    const redirect = server.url(`/go?to=${encodeURIComponent(secondLoopback.url('/secret'))}`);
    await expectRefused([redirect], 'ATTACHMENT_URL_BLOCKED', firstHopOnly);
    expect(secondLoopback.requests).toEqual([]);
    // The same redirect goes through when every private address is allowed.
    const [leaked] = await resolveAttachments([redirect], { allowPrivateNetworks: true });
    expect(leaked?.size).toBe(6);
    expect(secondLoopback.requests).toEqual(['/secret']);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    await expectRefused(
      [server.url(`/go?to=${encodeURIComponent('http://internal.test/admin')}`)],
      'ATTACHMENT_URL_BLOCKED',
      {
        ...firstHopOnly,
        lookup: async (hostname) => [
          { address: hostname === 'internal.test' ? '192.168.1.10' : '127.0.0.1', family: 4 },
        ],
      },
    );
  });

  it('checks each hop with a fresh answer: a rebinding name is caught on the second hop', async () => {
    let calls = 0;
    const rebinding: AttachmentLookup = async () => {
      calls += 1;
      return [{ address: calls === 1 ? '127.0.0.1' : '10.0.0.7', family: 4 }];
    };
    const error = await expectRefused(
      [`http://rebind.test:${server.port}/go?to=/logo.png`],
      'ATTACHMENT_URL_BLOCKED',
      { ...firstHopOnly, lookup: rebinding },
    );
    expect(error.details.address).toBe('10.0.0.7');
    expect(calls).toBe(2);
  });
});

describe('hostile files', () => {
  it('refuses a missing file', async () => {
    await expectRefused([join(dir, 'nope.pdf')], 'ATTACHMENT_NOT_FOUND', {}, 'attachments[0]');
  });

  it('refuses a directory', async () => {
    const error = await expectRefused([dir], 'ATTACHMENT_INVALID');
    expect(error.details.fileType).toBe('directory');
  });

  it('refuses a FIFO without blocking on it', async () => {
    const error = await expectRefused([{ path: join(dir, 'pipe') }], 'ATTACHMENT_INVALID');
    expect(error.details.fileType).toBe('FIFO');
  });

  it('refuses a device', async () => {
    const error = await expectRefused(['/dev/zero'], 'ATTACHMENT_INVALID');
    expect(error.details.fileType).toBe('character device');
  });

  // /proc/self/mem opens but cannot be read at offset 0 (EIO), like a failing disk.
  it('refuses a file whose read fails with a typed error, as it does an open', async () => {
    const error = await expectRefused(['/proc/self/mem'], 'ATTACHMENT_NOT_FOUND');
    expect(error.details.reason).toBe('EIO');
    const mailer = createMailer({ from: 'a@example.com', backend: testBackend(), queue: false });
    const result = await mailer.send({
      to: 'b@example.com',
      subject: 'S',
      text: 'T',
      attachments: ['/proc/self/mem'],
      failSilently: true,
    });
    expect(result.ok ? undefined : result.error.code).toBe('ATTACHMENT_NOT_FOUND');
    await mailer.close();
  });

  const allowed = (): AttachmentOptions => ({ allowedDirs: [join(dir, 'allowed')] });

  it('refuses a ../ escape from the allowed directory', async () => {
    await expectRefused(
      [join(dir, 'allowed', '..', 'secret.txt')],
      'ATTACHMENT_PATH_NOT_ALLOWED',
      allowed(),
    );
  });

  it('refuses a symlink inside the allowed directory that points outside', async () => {
    await expectRefused(
      [join(dir, 'allowed', 'link.txt')],
      'ATTACHMENT_PATH_NOT_ALLOWED',
      allowed(),
    );
  });

  it('refuses a sibling directory that shares the prefix', async () => {
    await expectRefused(
      [join(dir, 'allowed_evil', 'secret.txt')],
      'ATTACHMENT_PATH_NOT_ALLOWED',
      allowed(),
    );
  });

  it('refuses the allowed directory itself', async () => {
    await expectRefused([join(dir, 'allowed')], 'ATTACHMENT_PATH_NOT_ALLOWED', allowed());
  });

  it('does not reveal whether a file outside the allowed directories exists', async () => {
    await expectRefused(['/etc/passwd'], 'ATTACHMENT_PATH_NOT_ALLOWED', allowed());
    await expectRefused(['/etc/no-such-file'], 'ATTACHMENT_PATH_NOT_ALLOWED', allowed());
  });

  // O_NOFOLLOW guards only the file's own name: a directory on the way swapped for a
  // symlink between the check of the real path and the open was followed (about one
  // resolution in 600 went outside while another process swapped it back and forth).
  it('never resolves a file outside while a directory on the way is swapped for a symlink', async () => {
    const base = await mkdtemp(join(tmpdir(), 'mailroom-swap-'));
    await mkdir(join(base, 'allowed', 'sub'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'allowed', 'sub', 'f.txt'), 'inside');
    await writeFile(join(base, 'outside', 'f.txt'), 'secret');
    const outside = await stat(join(base, 'outside', 'f.txt'));
    const swapper = spawn(process.execPath, ['-e', SWAP_DIRECTORY_FOR_SYMLINK, base], {
      stdio: 'ignore',
    });
    const outcomes = new Map<string, number>();
    try {
      // Two seconds of swaps, and on a slow machine until the swapper has caught one.
      const started = Date.now();
      const swapping = () =>
        Date.now() - started < 2_000 ||
        (!outcomes.has('ATTACHMENT_PATH_NOT_ALLOWED') && Date.now() - started < 15_000);
      while (swapping()) {
        const outcome = await resolveAttachments([join(base, 'allowed', 'sub', 'f.txt')], {
          allowedDirs: [join(base, 'allowed')],
        }).then(
          ([attachment]) =>
            attachment?.source.kind === 'file' && attachment.source.ino === outside.ino
              ? 'outside'
              : 'inside',
          (error: { code?: string }) => error.code ?? 'thrown',
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    } finally {
      swapper.kill();
      await rm(base, { recursive: true, force: true });
    }
    expect(outcomes.get('ATTACHMENT_PATH_NOT_ALLOWED')).toBeGreaterThan(0);
    expect(outcomes.get('outside')).toBeUndefined();
    for (const outcome of outcomes.keys()) {
      expect(['inside', 'ATTACHMENT_NOT_FOUND', 'ATTACHMENT_PATH_NOT_ALLOWED']).toContain(outcome);
    }
  });

  it('refuses a file over maxBytes from its size, and a message over maxTotalBytes', async () => {
    await expectRefused([join(dir, 'secret.txt')], 'ATTACHMENT_TOO_LARGE', { maxBytes: 5 });
    await expectRefused(
      [join(dir, 'secret.txt'), join(dir, 'secret.txt')],
      'ATTACHMENT_TOTAL_TOO_LARGE',
      { maxTotalBytes: 10 },
    );
  });
});

describe('a hostile attachment sends nothing', () => {
  it('rejects the whole message and the backend receives nothing', async () => {
    const backend = testBackend();
    const mailer = createMailer({ from: 'app@example.com', backend });
    const error = await rejectionOf(
      mailer.send({
        to: 'alice@example.com',
        subject: 'Report',
        text: 'Attached.',
        attachments: [{ content: 'fine' }, 'http://169.254.169.254/latest/meta-data/'],
      }),
    );
    expect(error.code).toBe('ATTACHMENT_URL_BLOCKED');
    expect(error.details.field).toBe('attachments[1]');
    expect(backend.sent).toEqual([]);
    await mailer.close();
  });
});
