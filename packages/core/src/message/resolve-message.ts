import { randomUUID } from 'node:crypto';
import type { Address } from '../address/address.js';
import { dedupeRecipients } from '../address/dedupe-recipients.js';
import { parseAddress, parseAddressList } from '../address/parse-address.js';
import type { AttachmentOptions } from '../attachments/attachment-options.js';
import { resolveAttachments } from '../attachments/resolve-attachments.js';
import { resolveBody } from '../body/resolve-body.js';
import { ValidationError } from '../errors.js';
import { assertHeaderSafe } from './assert-header-safe.js';
import { createMessageId } from './create-message-id.js';
import type { ResolvedMessage } from './resolved-message.js';
import type { SendEmailInput } from './send-email-input.js';
import { validateHeaders } from './validate-headers.js';

/** What resolving a message needs from the mailer. */
export interface ResolveMessageOptions {
  /** The mailer's default sender. */
  from?: Address;
  /** Mailroom id to give the message; a new UUID when absent. */
  id?: string;
  /** Attachment limits and rules. */
  attachments?: AttachmentOptions;
}

function optionalText(input: SendEmailInput, field: 'text' | 'html' | 'markdown'): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ValidationError('INVALID_INPUT', `${field} must be a string`, { details: { field } });
  }
  return value;
}

function resolveSubject(subject: unknown): string {
  if (subject === undefined || subject === null) {
    throw new ValidationError('MISSING_SUBJECT', 'subject is required', { details: { field: 'subject' } });
  }
  if (typeof subject !== 'string') {
    throw new ValidationError('INVALID_INPUT', 'subject must be a string', { details: { field: 'subject' } });
  }
  assertHeaderSafe(subject, 'subject');
  if (subject.trim() === '') {
    throw new ValidationError('MISSING_SUBJECT', 'subject is empty', { details: { field: 'subject' } });
  }
  return subject;
}

/**
 * Validates and normalises a caller's input into a {@link ResolvedMessage}: addresses
 * parsed, checked and deduplicated, headers checked for injection, bodies rendered,
 * attachments resolved, Date and Message-ID assigned. Throws a typed error for any
 * bad input; nothing has been sent when it does.
 */
export async function resolveMessage(
  input: SendEmailInput,
  options: ResolveMessageOptions = {},
): Promise<ResolvedMessage> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('INVALID_INPUT', 'sendEmail expects an object', { details: { field: 'input' } });
  }
  const from = input.from === undefined ? options.from : parseAddress(input.from, 'from');
  if (from === undefined) {
    throw new ValidationError(
      'MISSING_SENDER',
      'no sender: pass `from`, or configure one with createMailer({ from }) or MAIL_FROM',
      { details: { field: 'from' } },
    );
  }
  const recipients = dedupeRecipients({
    to: parseAddressList(input.to, 'to'),
    cc: parseAddressList(input.cc, 'cc'),
    bcc: parseAddressList(input.bcc, 'bcc'),
  });
  const replyTo = parseAddressList(input.replyTo, 'replyTo');
  const subject = resolveSubject(input.subject);
  const headers = validateHeaders(input.headers);
  const body = resolveBody({
    text: optionalText(input, 'text'),
    html: optionalText(input, 'html'),
    markdown: optionalText(input, 'markdown'),
  });
  const envelopeTo = [...recipients.to, ...recipients.cc, ...recipients.bcc].map((a) => a.address);
  if (envelopeTo.length === 0) {
    throw new ValidationError('NO_RECIPIENTS', 'no recipients: to, cc and bcc are all empty', {
      details: { field: 'to' },
    });
  }
  const attachments = await resolveAttachments(input.attachments, options.attachments);
  const hasBody = body !== undefined && (body.text.trim() !== '' || (body.html ?? '').trim() !== '');
  if (!hasBody && attachments.length === 0) {
    throw new ValidationError('INVALID_INPUT', 'no body: give text, html, markdown, a template or attachments', {
      details: { field: 'text' },
    });
  }
  const id = options.id ?? randomUUID();
  return {
    id,
    messageId: createMessageId(id, from.address),
    date: new Date(),
    from,
    ...recipients,
    replyTo,
    subject,
    text: body?.text ?? '',
    ...(body?.html === undefined ? {} : { html: body.html }),
    headers,
    attachments,
    envelope: { from: from.address, to: envelopeTo },
  };
}
