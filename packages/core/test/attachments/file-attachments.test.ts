import {
  appendFile,
  mkdir,
  mkdtemp,
  open,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { composeMime, type ResolvedMessage, resolveAttachments } from '@mailroom/core';
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

describe('file attachments', () => {
  it('resolves to the real path and size, not to the content', async () => {
    const [attachment] = await resolveAttachments([join(dir, 'allowed', 'report.pdf')]);
    expect(attachment).toEqual({
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      inline: false,
      source: { kind: 'file', path: join(dir, 'allowed', 'report.pdf') },
    });
  });

  it('keeps the name as given for a symlink, and points at its target', async () => {
    const [attachment] = await resolveAttachments([{ path: join(dir, 'allowed', 'latest.pdf') }]);
    expect(attachment?.filename).toBe('latest.pdf');
    expect(attachment?.source).toEqual({ kind: 'file', path: join(dir, 'allowed', 'report.pdf') });
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
    const message: ResolvedMessage = {
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
    };
    const parsed = await simpleParser(await composeMime(message));
    expect(parsed.attachments[0]?.content.toString()).toBe('checked');
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
