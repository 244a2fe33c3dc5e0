import { createHash, randomBytes } from 'node:crypto';
import {
  type AttachmentContentReader,
  composeMime,
  type EmailJob,
  type EmailJobAttachment,
  fromEmailJob,
  type ResolvedMessage,
  resolveMessage,
  toEmailJob,
} from '@mailroom/core';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

const BYTES = randomBytes(200_000);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A job whose only attachment is stored outside it, under `ref`. */
async function jobWithRef(ref = 'email-1:0'): Promise<EmailJob> {
  const job = await toEmailJob(
    await resolveMessage({
      from: 'app@example.com',
      to: 'user@example.com',
      subject: 'Report',
      text: 'Attached.',
      attachments: [{ content: BYTES, filename: 'report.bin' }],
    }),
  );
  const [attachment] = job.attachments;
  if (!attachment) throw new Error('no attachment');
  const { contentBase64: _inline, ...fields } = attachment;
  return { ...job, attachments: [{ ...fields, contentRef: ref }] };
}

/** Serves BYTES in uneven pieces, counting every fresh read. */
function countingReader(bytes: Uint8Array = BYTES): AttachmentContentReader & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    async *openContent(ref: string) {
      opened.push(ref);
      for (let start = 0; start < bytes.length; start += 70_000) {
        yield bytes.subarray(start, start + 70_000);
      }
    },
  };
}

// MIME boundaries are random for each composition; everything else must be the same.
function withoutBoundaries(raw: Buffer): string {
  let text = raw.toString('latin1');
  for (const [, boundary] of text.matchAll(/boundary="([^"]+)"/g)) {
    text = text.replaceAll(boundary as string, 'BOUNDARY');
  }
  return text;
}

async function attachmentOf(message: ResolvedMessage) {
  const parsed = await simpleParser(await composeMime(message));
  return parsed.attachments[0];
}

describe('jobs with attachment content stored outside them', () => {
  it('streams a referenced attachment through the reader, lazily and afresh for each composition', async () => {
    const reader = countingReader();
    const message = fromEmailJob(JSON.parse(JSON.stringify(await jobWithRef())), {
      contentReader: reader,
    });
    expect(message.attachments[0]?.source.kind).toBe('stream');
    expect(reader.opened).toEqual([]);
    const first = await composeMime(message);
    const second = await composeMime(message);
    expect(reader.opened).toEqual(['email-1:0', 'email-1:0']);
    expect(withoutBoundaries(second)).toBe(withoutBoundaries(first));
    expect(first.length).toBeGreaterThan(BYTES.length);
    const attachment = await attachmentOf(message);
    expect(attachment?.filename).toBe('report.bin');
    expect(sha256(attachment?.content ?? Buffer.alloc(0))).toBe(sha256(BYTES));
  });

  it('refuses a job with a ref and no reader as a malformed job (INVALID_INPUT)', async () => {
    const job = await jobWithRef();
    expect(() => fromEmailJob(job)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'job.attachments' } }),
    );
  });

  it('refuses an attachment with both or neither of contentBase64 and contentRef', async () => {
    const job = await jobWithRef();
    const fields = job.attachments[0] as EmailJobAttachment;
    const both = { ...fields, contentBase64: 'AAAA' };
    const { contentRef: _ref, ...neither } = fields;
    for (const attachment of [both, neither, { ...fields, contentRef: '' }]) {
      expect(() =>
        fromEmailJob({ ...job, attachments: [attachment] }, { contentReader: countingReader() }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'job' } }));
    }
  });

  it('fails the composition when the stored content is not the declared size', async () => {
    for (const bytes of [BYTES.subarray(0, 1000), Buffer.concat([BYTES, Buffer.from('x')])]) {
      const message = fromEmailJob(await jobWithRef(), { contentReader: countingReader(bytes) });
      await expect(composeMime(message)).rejects.toMatchObject({
        code: 'ATTACHMENT_INVALID',
        details: { filename: 'report.bin', size: BYTES.length },
      });
    }
  });

  it('turns a streamed attachment back into inline base64 when the message is queued again', async () => {
    const message = fromEmailJob(await jobWithRef(), { contentReader: countingReader() });
    const job = await toEmailJob(message);
    expect(job.attachments[0]?.contentRef).toBeUndefined();
    expect(job.attachments[0]?.contentBase64).toBe(BYTES.toString('base64'));
  });
});
