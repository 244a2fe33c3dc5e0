import {
  type Address,
  dedupeRecipients,
  MailroomError,
  parseAddress,
  parseAddressList,
  ValidationError,
  validateAddress,
} from '@mailroom/core';
import addressparser from 'nodemailer/lib/addressparser';
import { describe, expect, it } from 'vitest';

/** Runs `fn`, which must throw a Mailroom error, and returns that error. */
function errorOf(fn: () => unknown): MailroomError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MailroomError) return error;
    throw error;
  }
  throw new Error('expected a MailroomError, but nothing was thrown');
}

describe('parseAddressList', () => {
  it('reads a bare address', () => {
    expect(parseAddressList('alice@example.com', 'to')).toEqual([{ address: 'alice@example.com' }]);
  });

  // Bare ASCII addresses skip addressparser; it must have nothing to say about them.
  it.each([
    'alice@example.com',
    "o'brien+tag@Example.COM",
    "!#$%&'*+/=?^_`{|}~-@x.io",
    'a.b.c@sub.example.co.uk',
    'x@y.z',
    '.dot@example.com',
    'dot.@example.com',
    'a..b@example.com',
    'a@-bad-.com',
    'a@example..com',
    'a@example.com.',
    'a@1.2.3.4',
  ])('reads %j as addressparser would, then validates it', (input) => {
    expect(addressparser(input)).toEqual([{ address: input, name: '' }]);
    const result = validateAddress(input);
    if (result.ok) {
      expect(parseAddressList(input, 'to')).toEqual([{ address: result.address }]);
    } else {
      expect(errorOf(() => parseAddressList(input, 'to')).code).toBe('INVALID_ADDRESS');
    }
  });

  it('reads an unquoted display name', () => {
    expect(parseAddressList('Alice Example <alice@example.com>', 'to')).toEqual([
      { address: 'alice@example.com', name: 'Alice Example' },
    ]);
  });

  it('reads a quoted display name and drops the quotes', () => {
    expect(parseAddressList('"Alice Example" <alice@example.com>', 'to')).toEqual([
      { address: 'alice@example.com', name: 'Alice Example' },
    ]);
  });

  it('keeps a comma inside a quoted display name as part of one mailbox', () => {
    expect(parseAddressList('"Doe, Jane" <jane@example.com>', 'to')).toEqual([
      { address: 'jane@example.com', name: 'Doe, Jane' },
    ]);
  });

  it('reads angle brackets without a name', () => {
    expect(parseAddressList('<alice@example.com>', 'to')).toEqual([
      { address: 'alice@example.com' },
    ]);
  });

  it('keeps a non-ASCII display name as written', () => {
    expect(parseAddressList('Zoë Ünal <zoe@example.com>', 'to')).toEqual([
      { address: 'zoe@example.com', name: 'Zoë Ünal' },
    ]);
  });

  it('trims whitespace around a mailbox', () => {
    expect(parseAddressList('  Bob <bob@example.com>  ', 'to')).toEqual([
      { address: 'bob@example.com', name: 'Bob' },
    ]);
  });

  it('reads an { address, name } object and trims both', () => {
    expect(parseAddressList({ address: ' bob@example.com ', name: ' Bob ' }, 'to')).toEqual([
      { address: 'bob@example.com', name: 'Bob' },
    ]);
  });

  it('drops an empty name of an object', () => {
    expect(parseAddressList({ address: 'bob@example.com', name: '' }, 'to')).toEqual([
      { address: 'bob@example.com' },
    ]);
  });

  it('reads an array mixing strings and objects, in order', () => {
    expect(
      parseAddressList(
        [
          'alice@example.com',
          { address: 'bob@example.com', name: 'Bob' },
          '"Doe, Jane" <jane@example.com>',
          { address: 'carol@example.com' },
        ],
        'cc',
      ),
    ).toEqual([
      { address: 'alice@example.com' },
      { address: 'bob@example.com', name: 'Bob' },
      { address: 'jane@example.com', name: 'Doe, Jane' },
      { address: 'carol@example.com' },
    ]);
  });

  it('returns no addresses for undefined, [] and an empty or blank string', () => {
    expect(parseAddressList(undefined, 'cc')).toEqual([]);
    expect(parseAddressList([], 'cc')).toEqual([]);
    expect(parseAddressList('', 'cc')).toEqual([]);
    expect(parseAddressList('   ', 'cc')).toEqual([]);
  });

  it('converts an internationalised domain to punycode', () => {
    expect(parseAddressList('user@bücher.de', 'to')).toEqual([
      { address: 'user@xn--bcher-kva.de' },
    ]);
    expect(parseAddressList('Jörg <jorg@münchen.example>', 'to')).toEqual([
      { address: 'jorg@xn--mnchen-3ya.example', name: 'Jörg' },
    ]);
    expect(parseAddressList({ address: 'user@bücher.de', name: 'B' }, 'to')).toEqual([
      { address: 'user@xn--bcher-kva.de', name: 'B' },
    ]);
  });

  it('lower-cases the domain but keeps the local part as written', () => {
    expect(parseAddressList('Alice.Smith@Example.COM', 'to')).toEqual([
      { address: 'Alice.Smith@example.com' },
    ]);
  });

  it('names the field and position of a bad entry in an array', () => {
    const error = errorOf(() => parseAddressList(['ok@example.com', 'not-an-address'], 'to'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.details.field).toBe('to[1]');
    expect(error.message).toContain('to[1]');
    expect(error.message).toContain('"not-an-address"');
  });

  it('names the field alone for a single bad value', () => {
    const error = errorOf(() => parseAddressList('nope', 'replyTo'));
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.details.field).toBe('replyTo');
    expect(error.message).toMatch(/^replyTo "nope"/);
  });

  it('names the position of a wrongly typed entry', () => {
    const error = errorOf(() =>
      parseAddressList(['ok@example.com', 42] as unknown as string[], 'bcc'),
    );
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.details.field).toBe('bcc[1]');
    expect(error.message).toContain('bcc[1]');
    expect(error.message).toContain('number');
  });

  it('names the position and part of a header injection', () => {
    const error = errorOf(() =>
      parseAddressList(
        ['ok@example.com', { address: 'b@example.com', name: 'B\r\nBcc: x@evil.com' }],
        'cc',
      ),
    );
    expect(error.code).toBe('HEADER_INJECTION');
    expect(error.details.field).toBe('cc[1].name');
  });

  it('refuses a string holding two mailboxes, even when the second is quoted-comma-safe', () => {
    const error = errorOf(() =>
      parseAddressList('"Doe, Jane" <jane@example.com>, bob@example.com', 'to'),
    );
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.message).toContain('exactly one address');
  });

  it.each([
    ['text after the brackets', 'Bob <bob@example.com> trailing'],
    ['two bracketed addresses', 'Bob <a@evil.com> <a@good.com>'],
    ['a quoted local part holding another address', '"a@evil.com x"@good.com'],
    ['a comment after the address', 'bob@example.com (Bob)'],
    ['a name without brackets', 'Bob bob@example.com'],
    ['an empty string inside an array', ''],
  ])('refuses %s rather than guessing a recipient', (_name, input) => {
    const error = errorOf(() => parseAddressList([input], 'to'));
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.details.field).toBe('to[0]');
  });

  it('routes to the bracketed address even when the display name looks like an address', () => {
    expect(parseAddressList('"a@evil.com" <a@good.com>', 'to')).toEqual([
      { address: 'a@good.com', name: 'a@evil.com' },
    ]);
  });
});

describe('parseAddress', () => {
  it('reads one mailbox from a string or an object', () => {
    expect(parseAddress('App <app@example.com>', 'from')).toEqual({
      address: 'app@example.com',
      name: 'App',
    });
    expect(parseAddress({ address: 'app@example.com', name: 'App' }, 'from')).toEqual({
      address: 'app@example.com',
      name: 'App',
    });
  });

  it('refuses an array, even of one address', () => {
    const error = errorOf(() => parseAddress(['app@example.com'], 'from'));
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.details.field).toBe('from');
  });

  it('refuses an empty string and a missing value', () => {
    for (const input of ['', undefined]) {
      const error = errorOf(() => parseAddress(input, 'from'));
      expect(error.code).toBe('INVALID_ADDRESS');
      expect(error.details.field).toBe('from');
    }
  });

  it('refuses an invalid address naming the field', () => {
    const error = errorOf(() => parseAddress('App <app@localhost>', 'from'));
    expect(error.code).toBe('INVALID_ADDRESS');
    expect(error.message).toMatch(/^from /);
  });
});

describe('validateAddress', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['user@bücher.de', 'user@xn--bcher-kva.de'],
    ['user@例え.jp', 'user@xn--r8jz45g.jp'],
    ['USER@EXAMPLE.COM', 'USER@example.com'],
    [`${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
  ])('accepts %s as %s', (input, expected) => {
    expect(validateAddress(input)).toEqual({ ok: true, address: expected });
  });

  it.each([
    ['no @', 'alice.example.com'],
    ['nothing before @', '@example.com'],
    ['nothing after @', 'alice@'],
    ['double @', 'alice@@example.com'],
    ['a space', 'alice smith@example.com'],
    ['a leading dot', '.alice@example.com'],
    ['a trailing dot in the local part', 'alice.@example.com'],
    ['consecutive dots', 'alice..smith@example.com'],
    ['a quoted local part', '"alice"@example.com'],
    ['an address literal', 'alice@[127.0.0.1]'],
    ['a single-label domain', 'alice@localhost'],
    ['a numeric TLD', 'alice@example.123'],
    ['an IP address as domain', 'alice@127.0.0.1'],
    ['a domain label starting with a hyphen', 'alice@-example.com'],
    ['an empty domain label', 'alice@example..com'],
    ['a domain label over 63 characters', `alice@${'x'.repeat(64)}.com`],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    [
      'an address over 254 characters',
      `${'a'.repeat(64)}@${`${'x'.repeat(60)}.`.repeat(3)}example.com`,
    ],
    ['a non-ASCII local part', 'josé@example.com'],
  ])('refuses %s', (_name, input) => {
    const result = validateAddress(input);
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error('unreachable: the address was accepted');
    expect(result.reason).not.toBe('');
  });
});

describe('dedupeRecipients', () => {
  const a = (address: string, name?: string): Address =>
    name === undefined ? { address } : { address, name };

  it('removes repeats case-insensitively within a field, keeping the first spelling and order', () => {
    expect(
      dedupeRecipients({
        to: [
          a('Alice@Example.com', 'Alice'),
          a('bob@example.com'),
          a('ALICE@example.com', 'Other'),
        ],
        cc: [],
        bcc: [],
      }),
    ).toEqual({ to: [a('Alice@Example.com', 'Alice'), a('bob@example.com')], cc: [], bcc: [] });
  });

  it('gives precedence to > cc > bcc', () => {
    expect(
      dedupeRecipients({
        to: [a('alice@example.com')],
        cc: [a('ALICE@example.com'), a('carol@example.com'), a('dave@example.com')],
        bcc: [a('Carol@Example.com'), a('alice@EXAMPLE.com'), a('erin@example.com')],
      }),
    ).toEqual({
      to: [a('alice@example.com')],
      cc: [a('carol@example.com'), a('dave@example.com')],
      bcc: [a('erin@example.com')],
    });
  });

  it('keeps an address in cc when to does not have it, even if bcc comes first in the input', () => {
    expect(
      dedupeRecipients({ to: [], cc: [a('x@example.com')], bcc: [a('X@example.com')] }),
    ).toEqual({ to: [], cc: [a('x@example.com')], bcc: [] });
  });

  it('treats an IDN domain and its punycode form as one recipient after parsing', () => {
    const to = parseAddressList('user@bücher.de', 'to');
    const bcc = parseAddressList('USER@XN--BCHER-KVA.DE', 'bcc');
    expect(dedupeRecipients({ to, cc: [], bcc })).toEqual({
      to: [a('user@xn--bcher-kva.de')],
      cc: [],
      bcc: [],
    });
  });

  it('does not merge different addresses that only look alike', () => {
    const recipients = {
      to: [a('alice@example.com'), a('alice+news@example.com'), a('alice@example.org')],
      cc: [],
      bcc: [],
    };
    expect(dedupeRecipients(recipients)).toEqual(recipients);
  });
});
