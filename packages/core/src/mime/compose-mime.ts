import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { ResolvedMessage } from '../message/resolved-message.js';
import { toMailOptions } from './to-mail-options.js';

// Lines end in CRLF, as RFC 5322 wants and as the SMTP transport writes them on the
// wire: a body's bare LF would otherwise be kept in the composed message (a .eml file).
const composerOf = (message: ResolvedMessage) =>
  new MailComposer({ ...toMailOptions(message), newline: 'windows' }).compile();

/** Builds the complete RFC 5322 message, exactly as the SMTP backend would send it. */
export function composeMime(message: ResolvedMessage): Promise<Buffer> {
  return composerOf(message).build();
}

/** Streams the complete RFC 5322 message, for large attachments. */
export function composeMimeStream(message: ResolvedMessage): Readable {
  return composerOf(message).createReadStream();
}
