import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { ResolvedMessage } from '../message/resolved-message.js';
import { toMailOptions } from './to-mail-options.js';

/** Builds the complete RFC 5322 message, exactly as the SMTP backend would send it. */
export function composeMime(message: ResolvedMessage): Promise<Buffer> {
  return new MailComposer(toMailOptions(message)).compile().build();
}

/** Streams the complete RFC 5322 message, for large attachments. */
export function composeMimeStream(message: ResolvedMessage): Readable {
  return new MailComposer(toMailOptions(message)).compile().createReadStream();
}
