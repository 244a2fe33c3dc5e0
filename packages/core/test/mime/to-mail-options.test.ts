import { Readable } from 'node:stream';
import { resolveMessage, toMailOptions } from '@mailroom/core';
import { describe, expect, it } from 'vitest';

const from = { address: 'app@example.com', name: 'App' };

function withAttachment(content: Uint8Array | string, contentType?: string) {
  return resolveMessage(
    {
      to: 'alice@example.com',
      subject: 'Bytes',
      text: 'Attached.',
      attachments: [{ content, filename: 'data.bin', ...(contentType ? { contentType } : {}) }],
    },
    { from },
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('in-memory attachment bytes as nodemailer gets them', () => {
  // nodemailer encodes a whole Buffer in memory (PITFALLS: about 4x its size in RSS);
  // a stream it encodes piece by piece.
  it('passes bytes over 64 KiB as a stream of their exact bytes, small ones whole', async () => {
    const backing = Buffer.alloc(200 * 1024 + 10);
    for (let index = 0; index < backing.length; index += 1) backing[index] = index % 253;
    const large = new Uint8Array(backing.buffer, backing.byteOffset + 7, 200 * 1024);
    const [big] = toMailOptions(await withAttachment(large)).attachments ?? [];
    expect(big?.content).toBeInstanceOf(Readable);
    expect((await readAll(big?.content as Readable)).equals(Buffer.from(large))).toBe(true);

    const [small] =
      toMailOptions(await withAttachment(backing.subarray(0, 64 * 1024))).attachments ?? [];
    expect(Buffer.isBuffer(small?.content)).toBe(true);
  });

  it('keeps a large message/* part whole: nodemailer labels it by its content', async () => {
    const [part] =
      toMailOptions(await withAttachment('a\r\n'.repeat(40_000), 'message/rfc822')).attachments ??
      [];
    expect(Buffer.isBuffer(part?.content)).toBe(true);
  });
});
