import {
  appendFile,
  mkdir,
  mkdtemp,
  open,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  composeMime,
  type MailroomError,
  type ResolvedAttachment,
  type ResolvedMessage,
  resolveAttachments,
  toEmailJob,
} from '@mailroom/core';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInsideDirectory } from '../../src/attachments/check-allowed-dirs.js';
import { PDF, PNG } from './servers.js';

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'mailroom-files-')));
  await mkdir(join(dir, 'allowed', 'nested'), { recursive: true });
  await writeFile(join(dir, 'allowed', 'report.pdf'), PDF);
  await writeFile(join(dir, 'allowed', 'nested', 'pixel'), PNG);
  await writeFile(join(dir, 'allowed', 'notes.txt'), 'plain notes');
  await writeFile(join(dir, 'allowed', 'empty.txt'), '');
  await symlink(join(dir, 'allowed', 'report.pdf'), join(dir, 'allowed', 'latest.pdf'));
  await symlink(join(dir, 'allowed'), join(dir, 'allowed-link'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const messageWith = (attachments: ResolvedAttachment[]): ResolvedMessage => ({
  id: 'x',
  messageId: '<x@example.com>',
  date: new Date(),
  from: { address: 'a@example.com' },
  to: [{ address: 'b@example.com' }],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: 'File',
  text: 'see attached',
  headers: {},
  attachments,
  envelope: { from: 'a@example.com', to: ['b@example.com'] },
});

describe('file attachments', () => {
  it('resolves to the real path and size, not to the content', async () => {
    const [attachment] = await resolveAttachments([join(dir, 'allowed', 'report.pdf')]);
    expect(attachment).toEqual({
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      inline: false,
      source: {
        kind: 'file',
        path: join(dir, 'allowed', 'report.pdf'),
        dev: expect.any(Number),
        ino: expect.any(Number),
      },
    });
  });

  it('keeps the name as given for a symlink, and points at its target', async () => {
    const [attachment] = await resolveAttachments([{ path: join(dir, 'allowed', 'latest.pdf') }]);
    expect(attachment?.filename).toBe('latest.pdf');
    expect(attachment?.source).toMatchObject({
      kind: 'file',
      path: join(dir, 'allowed', 'report.pdf'),
    });
  });

  it('types from magic bytes when the name has no extension', async () => {
    const [attachment] = await resolveAttachments([join(dir, 'allowed', 'nested', 'pixel')]);
    expect(attachment?.contentType).toBe('image/png');
  });

  it('types from the extension, and takes an explicit name and type', async () => {
    const resolved = await resolveAttachments([
      join(dir, 'allowed', 'notes.txt'),
      { path: join(dir, 'allowed', 'notes.txt'), filename: 'n.md', contentType: 'text/markdown' },
    ]);
    expect(resolved.map((a) => [a.filename, a.contentType])).toEqual([
      ['notes.txt', 'text/plain'],
      ['n.md', 'text/markdown'],
    ]);
  });

  it('resolves a relative path against the working directory', async () => {
    const [attachment] = await resolveAttachments([
      relative(process.cwd(), join(dir, 'allowed', 'notes.txt')),
    ]);
    expect(attachment?.size).toBe(11);
  });

  it('accepts an empty file', async () => {
    const [attachment] = await resolveAttachments([join(dir, 'allowed', 'empty.txt')]);
    expect(attachment?.size).toBe(0);
  });

  it('checks a 1 GiB file from its size without reading it', async () => {
    const big = join(dir, 'big.bin');
    const handle = await open(big, 'w');
    await handle.truncate(1024 ** 3);
    await handle.close();
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const [attachment] = await resolveAttachments([big], { maxBytes: 2 * 1024 ** 3 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(attachment).toMatchObject({ size: 1024 ** 3, source: { kind: 'file', path: big } });
    await expect(resolveAttachments([big])).rejects.toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { field: 'attachments[0]', size: 1024 ** 3, limit: 25 * 1024 * 1024 },
    });
  });

  it('sends no more than the checked size if the file grows afterwards', async () => {
    const growing = join(dir, 'growing.txt');
    await writeFile(growing, 'checked');
    const attachments = await resolveAttachments([growing]);
    await appendFile(growing, ' and then much more');
    const parsed = await simpleParser(await composeMime(messageWith(attachments)));
    expect(parsed.attachments[0]?.content.toString()).toBe('checked');
    const job = await toEmailJob(messageWith(attachments));
    expect(Buffer.from(job.attachments[0]?.contentBase64 ?? '', 'base64').toString()).toBe(
      'checked',
    );
  });
});

describe('a file changed after it was checked', () => {
  // Sent, and queued (the job takes the bytes), as a caller would.
  const sendAndQueue = (attachments: ResolvedAttachment[]) =>
    Promise.all([
      composeMime(messageWith(attachments)).then(
        () => 'sent',
        (error: MailroomError) => error,
      ),
      toEmailJob(messageWith(attachments)).then(
        () => 'queued',
        (error: MailroomError) => error,
      ),
    ]);

  it('refuses another file swapped in for it, through a symlink out of allowedDirs', async () => {
    await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
    const upload = join(dir, 'allowed', 'upload.txt');
    await writeFile(upload, 'harmless upload');
    const attachments = await resolveAttachments([upload], { allowedDirs: [join(dir, 'allowed')] });
    await unlink(upload);
    await symlink(join(dir, 'secret.txt'), upload);
    for (const outcome of await sendAndQueue(attachments)) {
      expect(outcome).toMatchObject({
        code: 'ATTACHMENT_NOT_FOUND',
        details: { filename: 'upload.txt', reason: 'replaced' },
      });
    }
  });

  it('refuses another file renamed over it', async () => {
    const report = join(dir, 'replaced.txt');
    await writeFile(report, 'first');
    const attachments = await resolveAttachments([report]);
    await writeFile(join(dir, 'other.txt'), 'other');
    await rename(join(dir, 'other.txt'), report);
    for (const outcome of await sendAndQueue(attachments)) {
      expect(outcome).toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
    }
  });

  it('refuses a file that has shrunk instead of sending it cut short', async () => {
    const shrinking = join(dir, 'shrinking.txt');
    await writeFile(shrinking, 'the whole checked content');
    const attachments = await resolveAttachments([shrinking]);
    await truncate(shrinking, 3);
    for (const outcome of await sendAndQueue(attachments)) {
      expect(outcome).toMatchObject({
        code: 'ATTACHMENT_INVALID',
        message: 'attachment shrinking.txt yielded 3 bytes instead of 25',
      });
    }
  });

  it('refuses a file removed since', async () => {
    const gone = join(dir, 'gone.txt');
    await writeFile(gone, 'soon gone');
    const attachments = await resolveAttachments([gone]);
    await unlink(gone);
    for (const outcome of await sendAndQueue(attachments)) {
      expect(outcome).toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
    }
  });
});

describe('files whose size is not what they hold', () => {
  it('refuses a /proc file, which reports no size and has content', async () => {
    await expect(resolveAttachments(['/proc/self/status'])).rejects.toMatchObject({
      code: 'ATTACHMENT_INVALID',
      details: { field: 'attachments[0]', path: '/proc/self/status', reason: 'size-not-known' },
    });
  });

  it('refuses a /sys file, which reports more than it holds', async () => {
    const path = '/sys/devices/system/cpu/online';
    const { size } = await stat(path);
    expect(size).toBe(4096);
    await expect(resolveAttachments([path])).rejects.toMatchObject({
      code: 'ATTACHMENT_INVALID',
      details: { reason: 'size-not-known', size: 4096 },
    });
  });
});

describe('allowedDirs', () => {
  const options = () => ({ allowedDirs: [join(dir, 'allowed')] });

  it('allows files inside, at any depth', async () => {
    const resolved = await resolveAttachments(
      [join(dir, 'allowed', 'report.pdf'), join(dir, 'allowed', 'nested', 'pixel')],
      options(),
    );
    expect(resolved).toHaveLength(2);
  });

  it('allows a symlink whose target is inside', async () => {
    await expect(
      resolveAttachments([join(dir, 'allowed', 'latest.pdf')], options()),
    ).resolves.toHaveLength(1);
  });

  it('compares real paths: an allowed directory given through a symlink works', async () => {
    await expect(
      resolveAttachments([join(dir, 'allowed', 'report.pdf')], {
        allowedDirs: [join(dir, 'allowed-link')],
      }),
    ).resolves.toHaveLength(1);
  });

  it('reports a missing file inside as not found', async () => {
    await expect(
      resolveAttachments([join(dir, 'allowed', 'gone.pdf')], options()),
    ).rejects.toMatchObject({
      code: 'ATTACHMENT_NOT_FOUND',
    });
  });

  it('ignores allowed directories that do not exist', async () => {
    await expect(
      resolveAttachments([join(dir, 'allowed', 'report.pdf')], {
        allowedDirs: [join(dir, 'none')],
      }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_PATH_NOT_ALLOWED' });
  });
});

describe('isInsideDirectory', () => {
  it.each([
    ['/data/allowed/a.pdf', '/data/allowed', true],
    ['/data/allowed/x/y/a.pdf', '/data/allowed', true],
    ['/data/allowed/..hidden', '/data/allowed', true],
    ['/data/allowed', '/data/allowed', false],
    ['/data/allowed_evil/a.pdf', '/data/allowed', false],
    ['/data/a.pdf', '/data/allowed', false],
    ['/etc/passwd', '/', true],
  ])('%s in %s: %s', (path, directory, inside) => {
    expect(isInsideDirectory(path, directory)).toBe(inside);
  });
});
