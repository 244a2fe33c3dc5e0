import { randomUUID } from 'node:crypto';
import type { Address } from '../address/address.js';
import { dedupeRecipients } from '../address/dedupe-recipients.js';
import { parseAddress, parseAddressList } from '../address/parse-address.js';
import type { AttachmentOptions } from '../attachments/attachment-options.js';
import { resolveAttachments } from '../attachments/resolve-attachments.js';
import { htmlToPlainText } from '../body/html-to-plain-text.js';
import { normalizeLineBreaks } from '../body/normalize-line-breaks.js';
import { type ResolvedBody, resolveBody } from '../body/resolve-body.js';
import { TemplateError, ValidationError } from '../errors.js';
import type { RenderedTemplate, RenderTemplate } from '../templates/rendered-template.js';
import { assertHeaderSafe } from './assert-header-safe.js';
import { assertKnownFields } from './assert-known-fields.js';
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
  /** The template engine, when templates are configured. */
  renderTemplate?: RenderTemplate;
}

function optionalText(
  input: SendEmailInput,
  field: 'text' | 'html' | 'markdown',
): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ValidationError('INVALID_INPUT', `${field} must be a string`, { details: { field } });
  }
  return value;
}

async function renderTemplate(
  input: SendEmailInput,
  render: RenderTemplate | undefined,
): Promise<RenderedTemplate | undefined> {
  if (input.template === undefined) return undefined;
  if (typeof input.template !== 'string') {
    throw new ValidationError('INVALID_INPUT', 'template must be a string', {
      details: { field: 'template' },
    });
  }
  const { context } = input;
  if (
    context !== undefined &&
    (context === null || typeof context !== 'object' || Array.isArray(context))
  ) {
    throw new ValidationError('INVALID_INPUT', 'context must be an object', {
      details: { field: 'context' },
    });
  }
  if (render === undefined) {
    throw new TemplateError(
      'TEMPLATE_NOT_FOUND',
      `template ${JSON.stringify(input.template)} cannot be found: no template directory is configured (templates.dir or MAIL_TEMPLATES_DIR)`,
      { details: { field: 'template', template: input.template } },
    );
  }
  return render(input.template, context ?? {});
}

// Explicit parts win over the template's, part by part; a missing text part is
// generated from whichever HTML won.
function mergeBodies(
  explicit: ResolvedBody | undefined,
  template: RenderedTemplate | undefined,
  explicitText: string | undefined,
): ResolvedBody | undefined {
  if (template === undefined) return explicit;
  const html = explicit?.html ?? template.html;
  const text =
    explicitText ?? (explicit?.html === undefined ? template.text : undefined) ?? explicit?.text;
  if (html === undefined && text === undefined) return undefined;
  return { text: text ?? htmlToPlainText(html ?? ''), ...(html === undefined ? {} : { html }) };
}

function resolveSubject(subject: unknown): string {
  if (subject === undefined || subject === null) {
    throw new ValidationError('MISSING_SUBJECT', 'subject is required', {
      details: { field: 'subject' },
    });
  }
  if (typeof subject !== 'string') {
    throw new ValidationError('INVALID_INPUT', 'subject must be a string', {
      details: { field: 'subject' },
    });
  }
  assertHeaderSafe(subject, 'subject');
  if (subject.trim() === '') {
    throw new ValidationError('MISSING_SUBJECT', 'subject is empty', {
      details: { field: 'subject' },
    });
  }
  return subject;
}

/**
 * Validates and normalises a caller's input into a {@link ResolvedMessage}: unknown
 * fields refused, addresses
 * parsed, checked and deduplicated, headers checked for injection, bodies rendered,
 * attachments resolved, Date and Message-ID assigned. Throws a typed error for any
 * bad input; nothing has been sent when it does.
 */
export async function resolveMessage(
  input: SendEmailInput,
  options: ResolveMessageOptions = {},
): Promise<ResolvedMessage> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('INVALID_INPUT', 'sendEmail expects an object', {
      details: { field: 'input' },
    });
  }
  assertKnownFields(input);
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
  const headers = validateHeaders(input.headers);
  const explicitText = optionalText(input, 'text');
  const explicitBody = resolveBody({
    text: explicitText,
    html: optionalText(input, 'html'),
    markdown: optionalText(input, 'markdown'),
  });
  const envelopeTo = [...recipients.to, ...recipients.cc, ...recipients.bcc].map((a) => a.address);
  if (envelopeTo.length === 0) {
    throw new ValidationError('NO_RECIPIENTS', 'no recipients: to, cc and bcc are all empty', {
      details: { field: 'to' },
    });
  }
  const template = await renderTemplate(input, options.renderTemplate);
  const subject = resolveSubject(input.subject ?? template?.subject);
  const body = mergeBodies(explicitBody, template, explicitText);
  const attachments = await resolveAttachments(input.attachments, options.attachments);
  const hasBody =
    body !== undefined && (body.text.trim() !== '' || (body.html ?? '').trim() !== '');
  if (!hasBody && attachments.length === 0) {
    throw new ValidationError(
      'INVALID_INPUT',
      'no body: give text, html, markdown, a template or attachments',
      {
        details: { field: 'text' },
      },
    );
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
    text: normalizeLineBreaks(body?.text ?? ''),
    ...(body?.html === undefined ? {} : { html: normalizeLineBreaks(body.html) }),
    headers,
    attachments,
    envelope: { from: from.address, to: envelopeTo },
  };
}
