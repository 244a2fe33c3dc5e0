import { smtpBackend } from '@mailroom/backend-smtp';
import {
  AttachmentError,
  createMailer,
  type Mailer,
  type MailerEvents,
  MailroomError,
  type MailroomErrorCode,
  type SendEmailInput,
  ValidationError,
} from '@mailroom/core';
import { type SmtpSink, startSmtpSink } from '@mailroom/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// Every input below is malformed. Each must be refused with a typed error and a stable
// code, before anything reaches the SMTP server: the sink must end up with nothing.

let sink: SmtpSink;
let mailer: Mailer;
/** Same server, but no default sender, for the MISSING_SENDER case. */
let mailerWithoutFrom: Mailer;
const failedEvents: Array<MailerEvents['failed']> = [];
const sendingEvents: Array<MailerEvents['sending']> = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  const backend = () =>
    smtpBackend({
      host: sink.host,
      port: sink.port,
      pool: false,
      tls: { rejectUnauthorized: false },
    });
  mailer = createMailer({ from: 'App <app@example.com>', backend: backend() });
  mailerWithoutFrom = createMailer({ backend: backend() });
  for (const each of [mailer, mailerWithoutFrom]) {
    each.on('failed', (event) => failedEvents.push(event));
    each.on('sending', (event) => sendingEvents.push(event));
  }
});

afterAll(async () => {
  await mailer?.close();
  await mailerWithoutFrom?.close();
  await sink?.close();
});

beforeEach(() => {
  failedEvents.length = 0;
});

/** A valid message; each case breaks one thing in it. */
const valid = {
  to: 'alice@example.com',
  subject: 'Hello',
  text: 'Hello Alice',
} as const;

/** `valid` without some of its fields. */
function without(...fields: Array<keyof typeof valid>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...valid };
  for (const field of fields) delete copy[field];
  return copy;
}

type ErrorClass = typeof ValidationError | typeof AttachmentError;

interface HostileCase {
  name: string;
  input: unknown;
  error: ErrorClass;
  code: MailroomErrorCode;
  /** The field the error must name in `details.field`. */
  field: string;
  /** Send through the mailer that has no default sender. */
  noDefaultSender?: true;
}

const injection = (name: string, input: unknown, field: string): HostileCase => ({
  name: `injection: ${name}`,
  input,
  error: ValidationError,
  code: 'HEADER_INJECTION',
  field,
});

const badAddress = (name: string, input: unknown, field: string): HostileCase => ({
  name: `invalid address: ${name}`,
  input,
  error: ValidationError,
  code: 'INVALID_ADDRESS',
  field,
});

const invalidInput = (name: string, input: unknown, field: string): HostileCase => ({
  name,
  input,
  error: ValidationError,
  code: 'INVALID_INPUT',
  field,
});

const empty = (
  name: string,
  code: 'NO_RECIPIENTS' | 'MISSING_SUBJECT',
  input: unknown,
  field: string,
): HostileCase => ({ name, input, error: ValidationError, code, field });

const badAttachment = (name: string, attachment: unknown): HostileCase => ({
  name: `wrong type: attachment ${name}`,
  input: { ...valid, attachments: [attachment] },
  error: AttachmentError,
  code: 'ATTACHMENT_INVALID',
  field: 'attachments[0]',
});

const cases: HostileCase[] = [
  // CR, LF and NUL wherever a value ends up in a header.
  injection(
    'CRLF + Bcc in subject',
    { ...valid, subject: 'Hi\r\nBcc: victim@evil.com' },
    'subject',
  ),
  injection('bare LF in subject', { ...valid, subject: 'Hi\nX-Evil: 1' }, 'subject'),
  injection('bare CR in subject', { ...valid, subject: 'Hi\rX-Evil: 1' }, 'subject'),
  injection('NUL in subject', { ...valid, subject: 'Hi\0there' }, 'subject'),
  injection('CRLF in a to string', { ...valid, to: 'alice@example.com\r\nBcc: x@evil.com' }, 'to'),
  injection(
    'LF in the 2nd cc string',
    { ...valid, cc: ['bob@example.com', 'carol@example.com\nBcc: x@evil.com'] },
    'cc[1]',
  ),
  injection('NUL in replyTo', { ...valid, replyTo: 'reply@example.com\0' }, 'replyTo'),
  injection(
    'CRLF in a from string',
    { ...valid, from: 'App <app@example.com>\r\nBcc: x@evil.com' },
    'from',
  ),
  injection(
    'CRLF in a quoted display name of a string',
    { ...valid, to: '"Alice\r\nBcc: x@evil.com" <alice@example.com>' },
    'to',
  ),
  injection(
    'CRLF in the name of { address, name }',
    { ...valid, to: { address: 'alice@example.com', name: 'Alice\r\nBcc: x@evil.com' } },
    'to.name',
  ),
  injection(
    'NUL in the name of a bcc { address, name }',
    { ...valid, bcc: [{ address: 'bob@example.com', name: 'Bob\0' }] },
    'bcc[0].name',
  ),
  injection(
    'LF in the address of { address }',
    { ...valid, to: { address: 'alice@example.com\nBcc: x@evil.com' } },
    'to.address',
  ),
  injection(
    'CRLF in the name of a from object',
    { ...valid, from: { address: 'app@example.com', name: 'App\r\nBcc: x@evil.com' } },
    'from.name',
  ),
  injection(
    'CRLF in a custom header value',
    { ...valid, headers: { 'X-Campaign': 'spring\r\nBcc: victim@evil.com' } },
    'headers["X-Campaign"]',
  ),
  injection(
    'bare LF in a custom header value',
    { ...valid, headers: { 'X-Tag': 'a\nb' } },
    'headers["X-Tag"]',
  ),
  injection(
    'CRLF in a custom header name',
    { ...valid, headers: { 'X-Evil\r\nBcc': 'victim@evil.com' } },
    'headers["X-Evil\\r\\nBcc"] name',
  ),
  injection(
    'NUL in a custom header name',
    { ...valid, headers: { 'X-A\0': 'v' } },
    'headers["X-A\\u0000"] name',
  ),
  injection(
    'CRLF in an attachment filename',
    { ...valid, attachments: [{ content: 'x', filename: 'a\r\nb.txt' }] },
    'attachments[0].filename',
  ),
  invalidInput(
    'control character (ESC) in subject',
    { ...valid, subject: 'Hi\x1b[31m' },
    'subject',
  ),

  // Addresses that are not one plain mailbox.
  badAddress('no @', { ...valid, to: 'alice.example.com' }, 'to'),
  badAddress('double @', { ...valid, to: 'alice@@example.com' }, 'to'),
  badAddress('space in the local part', { ...valid, to: 'alice smith@example.com' }, 'to'),
  badAddress('leading dot', { ...valid, to: '.alice@example.com' }, 'to'),
  badAddress('trailing dot in the local part', { ...valid, to: 'alice.@example.com' }, 'to'),
  badAddress('consecutive dots', { ...valid, to: 'alice..smith@example.com' }, 'to'),
  badAddress('consecutive dots in the domain', { ...valid, to: 'alice@example..com' }, 'to'),
  badAddress('address literal', { ...valid, to: 'a@[127.0.0.1]' }, 'to'),
  badAddress('single-label domain', { ...valid, to: 'alice@localhost' }, 'to'),
  badAddress('numeric TLD', { ...valid, to: 'alice@example.123' }, 'to'),
  badAddress(
    'local part over 64 characters',
    { ...valid, to: `${'a'.repeat(65)}@example.com` },
    'to',
  ),
  badAddress('two addresses in one string', { ...valid, to: 'a@x.com, b@y.com' }, 'to'),
  badAddress('group syntax', { ...valid, to: 'grp: a@x.com;' }, 'to'),
  badAddress(
    'quoted local part hiding another address',
    { ...valid, to: '"a@evil.com x"@good.com' },
    'to',
  ),
  badAddress('text around the angle brackets', { ...valid, to: 'x <a@b.com> y' }, 'to'),
  badAddress('two angle addresses', { ...valid, to: 'Bob <a@evil.com> <a@good.com>' }, 'to'),
  badAddress('source route', { ...valid, to: '<@evil.com:a@good.com>' }, 'to'),
  badAddress(
    'display name text as address of an object',
    { ...valid, to: { address: 'Bob <a@b.com>' } },
    'to',
  ),
  badAddress('bad 2nd cc', { ...valid, cc: ['ok@example.com', 'not-an-address'] }, 'cc[1]'),
  badAddress('bad replyTo', { ...valid, replyTo: 'nope' }, 'replyTo'),
  badAddress('bad from', { ...valid, from: 'not-an-address' }, 'from'),
  badAddress(
    'empty string inside a to array',
    { ...valid, to: ['alice@example.com', ''] },
    'to[1]',
  ),

  // Wrong types.
  badAddress('to is a number', { ...valid, to: 42 }, 'to'),
  badAddress('null inside a to array', { ...valid, to: ['alice@example.com', null] }, 'to[1]'),
  badAddress('array nested in a to array', { ...valid, to: [['alice@example.com']] }, 'to[0]'),
  badAddress('object without address', { ...valid, to: { name: 'Alice' } }, 'to'),
  badAddress('object with a numeric address', { ...valid, to: { address: 42 } }, 'to'),
  badAddress('from is an array', { ...valid, from: ['app@example.com'] }, 'from'),
  invalidInput(
    'wrong type: name of { address, name } is a number',
    { ...valid, to: { address: 'alice@example.com', name: 42 } },
    'to.name',
  ),
  invalidInput('wrong type: subject is a number', { ...valid, subject: 123 }, 'subject'),
  invalidInput('wrong type: text is an object', { ...valid, text: {} }, 'text'),
  invalidInput('wrong type: html is an array', { ...without('text'), html: [] }, 'html'),
  invalidInput('wrong type: markdown is a number', { ...without('text'), markdown: 5 }, 'markdown'),
  invalidInput('wrong type: headers is a string', { ...valid, headers: 'X-A: b' }, 'headers'),
  invalidInput('wrong type: headers is an array', { ...valid, headers: ['X-A: b'] }, 'headers'),
  invalidInput(
    'wrong type: headers is a Map',
    { ...valid, headers: new Map([['X-A', 'b']]) },
    'headers',
  ),
  invalidInput(
    'wrong type: a header value is a number',
    { ...valid, headers: { 'X-Count': 3 } },
    'headers["X-Count"]',
  ),
  invalidInput(
    'header name with a space',
    { ...valid, headers: { 'X Bad': 'v' } },
    'headers["X Bad"]',
  ),
  invalidInput(
    'header name with a colon',
    { ...valid, headers: { 'X-A:': 'v' } },
    'headers["X-A:"]',
  ),
  invalidInput(
    'header named __proto__ (parsed from JSON), which would be dropped',
    { ...valid, headers: JSON.parse('{"__proto__": "v"}') },
    'headers["__proto__"]',
  ),
  invalidInput(
    'wrong type: attachments is not an array',
    { ...valid, attachments: 'report.pdf' },
    'attachments',
  ),
  badAttachment('is a number', 42),
  badAttachment('is null', null),
  badAttachment('is an object of no known form', { foo: 1 }),
  invalidInput('wrong type: input is a string', 'alice@example.com', 'input'),
  invalidInput('wrong type: input is null', null, 'input'),
  invalidInput('wrong type: input is an array', [valid], 'input'),
  invalidInput(
    'wrong type: template is a number',
    { ...without('text'), template: 42 },
    'template',
  ),
  invalidInput(
    'wrong type: template context is a string',
    { ...without('text'), template: 'welcome', context: 'name=Bob' },
    'context',
  ),
  invalidInput(
    'wrong type: template context is an array',
    { ...without('text'), template: 'welcome', context: ['Bob'] },
    'context',
  ),

  // Empty values.
  empty('empty: to is []', 'NO_RECIPIENTS', { ...valid, to: [] }, 'to'),
  empty("empty: to is ''", 'NO_RECIPIENTS', { ...valid, to: '' }, 'to'),
  empty('empty: to is blank', 'NO_RECIPIENTS', { ...valid, to: '   ' }, 'to'),
  empty('empty: to missing', 'NO_RECIPIENTS', without('to'), 'to'),
  empty(
    'empty: to, cc and bcc all []',
    'NO_RECIPIENTS',
    { ...valid, to: [], cc: [], bcc: [] },
    'to',
  ),
  empty("empty: subject ''", 'MISSING_SUBJECT', { ...valid, subject: '' }, 'subject'),
  empty('empty: subject blank', 'MISSING_SUBJECT', { ...valid, subject: '   ' }, 'subject'),
  empty('empty: subject missing', 'MISSING_SUBJECT', without('subject'), 'subject'),
  invalidInput('empty: no body at all', without('text'), 'text'),
  invalidInput("empty: text ''", { ...valid, text: '' }, 'text'),
  invalidInput('empty: html blank', { ...without('text'), html: '  ' }, 'text'),
  {
    name: 'empty: no sender anywhere',
    input: valid,
    error: ValidationError,
    code: 'MISSING_SENDER',
    field: 'from',
    noDefaultSender: true,
  },

  // Headers Mailroom writes itself.
  invalidInput(
    'reserved header: Bcc',
    { ...valid, headers: { Bcc: 'victim@evil.com' } },
    'headers["Bcc"]',
  ),
  invalidInput(
    'reserved header: From',
    { ...valid, headers: { From: 'ceo@example.com' } },
    'headers["From"]',
  ),
  invalidInput(
    'reserved header: Content-Type',
    { ...valid, headers: { 'Content-Type': 'text/html' } },
    'headers["Content-Type"]',
  ),
  invalidInput(
    'reserved header: lower-case reply-to',
    { ...valid, headers: { 'reply-to': 'x@evil.com' } },
    'headers["reply-to"]',
  ),

  // Conflicting bodies.
  invalidInput(
    'markdown and html both given',
    { ...without('text'), html: '<p>a</p>', markdown: 'a' },
    'markdown',
  ),
];

/** Awaits a send that must fail and returns its Mailroom error. */
async function rejectionOf(send: Promise<unknown>): Promise<MailroomError> {
  try {
    await send;
  } catch (error) {
    if (error instanceof MailroomError) return error;
    throw error;
  }
  throw new Error('the send resolved, but it should have been rejected');
}

describe('mailer.send() refuses hostile and malformed input', () => {
  it('has a large table of cases with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [`${c.name} -> ${c.code}`, c] as const))('%s', async (_title, c) => {
    const { input, error, code, field, noDefaultSender } = c;
    const target = noDefaultSender ? mailerWithoutFrom : mailer;
    const dataBefore = sink.dataAttempts;
    const caught = await rejectionOf(target.send(input as SendEmailInput));
    expect(caught).toBeInstanceOf(error);
    expect(caught.code).toBe(code);
    expect(caught.details.field).toBe(field);
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0]?.error).toBe(caught);
    expect(sink.dataAttempts).toBe(dataBefore);
  });

  const silentCases: Array<
    [name: string, code: MailroomErrorCode, input: Record<string, unknown>]
  > = [
    [
      'header injection in subject',
      'HEADER_INJECTION',
      { ...valid, subject: 'Hi\r\nBcc: x@evil.com' },
    ],
    ['two addresses in one string', 'INVALID_ADDRESS', { ...valid, to: 'a@x.com, b@y.com' }],
    ['no recipients', 'NO_RECIPIENTS', { ...valid, to: [] }],
    ['attachment of a wrong type', 'ATTACHMENT_INVALID', { ...valid, attachments: [42] }],
    ['reserved Bcc header', 'INVALID_INPUT', { ...valid, headers: { Bcc: 'x@evil.com' } }],
  ];

  it.each(silentCases)(
    'failSilently: %s resolves to { ok: false, status: failed } with %s',
    async (_name, code, input) => {
      const result = await mailer.send({
        ...input,
        failSilently: true,
      } as unknown as SendEmailInput);
      expect(result).toMatchObject({ ok: false, status: 'failed', error: { code } });
      if (result.ok) throw new Error('unreachable: the send succeeded');
      expect(result.error).toBeInstanceOf(MailroomError);
      expect(failedEvents).toHaveLength(1);
      expect(failedEvents[0]?.id).toBe(result.id);
      expect(failedEvents[0]?.error).toBe(result.error);
    },
  );

  it('left the SMTP server untouched: no message, no DATA, no delivery attempt', () => {
    expect(sink.messages).toHaveLength(0);
    expect(sink.dataAttempts).toBe(0);
    expect(sendingEvents).toHaveLength(0);
  });

  // Positive control, last: the same mailer and server do deliver a valid message, so
  // the "nothing received" assertions above are able to fail.
  it('positive control: a valid send through the same mailer arrives at the sink', async () => {
    const result = await mailer.send({ ...valid, to: 'Alice <alice@example.com>' });
    expect(result).toMatchObject({ ok: true, status: 'sent', mode: 'sync' });
    const [received] = await sink.waitFor(1);
    expect(received?.rcptTo).toEqual(['alice@example.com']);
    expect(received?.parsed.subject).toBe('Hello');
    expect(sink.messages).toHaveLength(1);
    expect(sendingEvents).toHaveLength(1);
  });
});
