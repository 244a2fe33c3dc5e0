import { resolveAttachments } from '@mailroom/core';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../src/attachments/decode-base64.js';
import { decodeDataUrl } from '../../src/attachments/decode-data-url.js';
import { PNG } from './servers.js';

function decoded(text: string): { text: string; claimed: number[] } {
  const claimed: number[] = [];
  const bytes = decodeBase64(text, 'f', (size) => claimed.push(size));
  return { text: Buffer.from(bytes).toString('latin1'), claimed };
}

describe('decodeBase64', () => {
  it.each([
    ['padded', 'aGVsbG8=', 'hello'],
    ['unpadded', 'aGVsbG8', 'hello'],
    ['two padding characters', 'aGVsbA==', 'hell'],
    ['no padding needed', 'aGVs', 'hel'],
    ['empty', '', ''],
    ['only whitespace', ' \r\n\t', ''],
    ['wrapped at 76 with CRLF', `${'QUFB'.repeat(19)}\r\n${'QUFB'.repeat(2)}\r\n`, 'A'.repeat(63)],
    ['with spaces and tabs inside', 'aGVs bG8\t=', 'hello'],
    ['+ and /', '+/+/', '\xfb\xff\xbf'],
  ])('decodes %s', (_, input, output) => {
    const result = decoded(input);
    expect(result.text).toBe(output);
    expect(result.claimed).toEqual([output.length]);
  });

  it('gives the exact size to claim before decoding, and stops when the claim refuses', () => {
    const claimed: number[] = [];
    expect(() =>
      decodeBase64('QUFBQUFB', 'f', (size) => {
        claimed.push(size);
        throw new Error('too large');
      }),
    ).toThrow('too large');
    expect(claimed).toEqual([6]);
  });

  it('names the position of a bad character', () => {
    expect(() =>
      decodeBase64('aGVs\nbG8-', 'attachments[3].contentBase64', () => undefined),
    ).toThrow(
      expect.objectContaining({
        code: 'ATTACHMENT_INVALID_BASE64',
        details: { field: 'attachments[3].contentBase64', position: 8 },
      }),
    );
  });
});

describe('decodeDataUrl', () => {
  const decode = (url: string) => decodeDataUrl(url, 'f', () => undefined);

  it('decodes base64 with its media type', () => {
    const { bytes, mediaType } = decode(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(Buffer.from(bytes).equals(PNG)).toBe(true);
    expect(mediaType).toBe('image/png');
  });

  it('percent-decodes text, keeping a stray %', () => {
    const { bytes, mediaType } = decode('data:text/plain;charset=utf-8,caf%C3%A9%20100%');
    expect(Buffer.from(bytes).toString('utf8')).toBe('café 100%');
    expect(mediaType).toBe('text/plain; charset=utf-8');
  });

  it('encodes non-ASCII text as UTF-8', () => {
    expect(Buffer.from(decode('data:,naïve').bytes).toString('utf8')).toBe('naïve');
  });

  it("defaults to RFC 2397's text/plain; charset=US-ASCII", () => {
    expect(decode('data:,hi').mediaType).toBe('text/plain; charset=US-ASCII');
    expect(decode('data:;base64,aGk=').mediaType).toBe('text/plain; charset=US-ASCII');
    expect(decode('data:;charset=utf-8,hi').mediaType).toBe('text/plain; charset=utf-8');
  });

  it('accepts upper-case DATA: and BASE64', () => {
    expect(Buffer.from(decode('DATA:text/plain;BASE64,aGk=').bytes).toString()).toBe('hi');
  });

  it('claims the decoded size of text before decoding', () => {
    const claimed: number[] = [];
    decodeDataUrl('data:,%41%42c%', 'f', (size) => claimed.push(size));
    expect(claimed).toEqual([4]);
  });

  it('refuses an invalid media type', () => {
    expect(() => decode('data:not a type;base64,aGk=')).toThrow(
      expect.objectContaining({ code: 'ATTACHMENT_INVALID' }),
    );
  });
});

describe('base64 and data: URL attachments', () => {
  it('resolves contentBase64, typed from its bytes', async () => {
    const [attachment] = await resolveAttachments([
      { contentBase64: PNG.toString('base64').replace(/(.{4})/g, '$1\n'), filename: 'dot.png' },
    ]);
    expect(attachment).toMatchObject({ filename: 'dot.png', contentType: 'image/png', size: 12 });
  });

  it('resolves a data: URL string, URL object and { url }', async () => {
    const png = `data:image/png;base64,${PNG.toString('base64')}`;
    const resolved = await resolveAttachments([
      png,
      new URL('data:text/csv,a%2Cb'),
      { url: 'data:,hello', filename: 'hello.txt' },
    ]);
    expect(
      resolved.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
    ).toEqual([
      { filename: 'attachment-1.bin', contentType: 'image/png', size: 12 },
      { filename: 'attachment-2.bin', contentType: 'text/csv', size: 3 },
      { filename: 'hello.txt', contentType: 'text/plain; charset=US-ASCII', size: 5 },
    ]);
  });

  it('enforces maxBytes on the decoded size', async () => {
    await expect(
      resolveAttachments([{ contentBase64: 'aGVsbG8=' }], { maxBytes: 5 }),
    ).resolves.toHaveLength(1);
    await expect(
      resolveAttachments([{ contentBase64: 'aGVsbG8h' }], { maxBytes: 5 }),
    ).rejects.toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { field: 'attachments[0]', size: 6, limit: 5 },
    });
  });
});
