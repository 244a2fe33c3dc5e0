import { Readable } from 'node:stream';
import type { MailComposerAttachment, MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { readStreamSource } from '../attachments/read-stream-source.js';
import type { ResolvedAttachment } from '../attachments/resolved-attachment.js';
import { streamCheckedFile } from '../attachments/stream-checked-file.js';
import type { ResolvedMessage } from '../message/resolved-message.js';

// Bytes past this size go to nodemailer as a stream of views into them: given a whole
// Buffer, nodemailer encodes it in memory (a 25 MiB attachment grew RSS by 4x its size),
// streamed it encodes piece by piece. Views copy nothing.
const STREAMED_BYTES_OVER = 64 * 1024;
const BYTES_PIECE = 16 * 1024;

function* piecesOf(bytes: Uint8Array): Generator<Buffer> {
  for (let offset = 0; offset < bytes.byteLength; offset += BYTES_PIECE) {
    const length = Math.min(BYTES_PIECE, bytes.byteLength - offset);
    yield Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
  }
}

// nodemailer labels a message/* part 7bit or 8bit by looking at its content (such a
// part cannot be encoded), which it can only do with the bytes at hand.
const streamsBytes = (attachment: ResolvedAttachment, bytes: Uint8Array): boolean =>
  bytes.byteLength > STREAMED_BYTES_OVER && !/^message\//i.test(attachment.contentType);

// The part's content as nodemailer takes it. A stream, like a file, is opened only when
// the composer reaches the part, and afresh for each composition: toMailOptions runs once
// per send, so a backend's retry reads the content again.
function composerContent(attachment: ResolvedAttachment): MailComposerAttachment['content'] {
  const { source } = attachment;
  switch (source.kind) {
    case 'bytes':
      return streamsBytes(attachment, source.bytes)
        ? Readable.from(piecesOf(source.bytes), { objectMode: false })
        : Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
    case 'file':
      return Readable.from(streamCheckedFile(source, attachment.size, attachment.filename), {
        objectMode: false,
      });
    case 'stream':
      return Readable.from(readStreamSource(source.open, attachment.size, attachment.filename), {
        objectMode: false,
      });
  }
}

function toComposerAttachment(attachment: ResolvedAttachment): MailComposerAttachment {
  return {
    filename: attachment.filename,
    contentType: attachment.contentType,
    contentDisposition: attachment.inline ? 'inline' : 'attachment',
    ...(attachment.cid === undefined ? {} : { cid: attachment.cid }),
    content: composerContent(attachment),
  };
}

// Envelope addresses are validated already: as address objects nodemailer takes them
// as they are, where strings would go through its address parser once more.
const asParsed = (address: string) => ({ name: '', address });

/**
 * Maps a resolved message to nodemailer's message options: the one MIME composition
 * both the SMTP and the Console backend use. Bcc is never passed as a field (it exists
 * only in the envelope), and nodemailer may neither read files nor fetch URLs itself.
 */
export function toMailOptions(message: ResolvedMessage): MailComposerOptions {
  return {
    from: message.from,
    to: message.to,
    cc: message.cc,
    replyTo: message.replyTo,
    subject: message.subject,
    messageId: message.messageId,
    date: message.date,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    headers: message.headers,
    attachments: message.attachments.map(toComposerAttachment),
    envelope: {
      from: asParsed(message.envelope.from),
      to: message.envelope.to.map(asParsed),
    },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
