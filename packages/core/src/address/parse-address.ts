import addressparser from 'nodemailer/lib/addressparser';
import { ValidationError } from '../errors.js';
import { assertHeaderSafe } from '../message/assert-header-safe.js';
import type { Address, AddressListInput } from './address.js';
import { validateAddress } from './validate-address.js';

// atext and dots, one @, an ASCII domain: nothing for addressparser to interpret.
const BARE_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

function invalid(field: string, value: unknown, reason: string): ValidationError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new ValidationError(
    'INVALID_ADDRESS',
    `${field} ${shown} is not a valid address: ${reason}`,
    {
      details: { field, value: typeof value === 'string' ? value : undefined },
    },
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function checkedAddress(field: string, raw: string, name: string | undefined): Address {
  const result = validateAddress(raw);
  if (!result.ok) throw invalid(field, raw, result.reason);
  return name ? { address: result.address, name } : { address: result.address };
}

/**
 * Parses one mailbox string. nodemailer's addressparser reads the display name (quoted
 * names with commas included); the bare address must then stand in the input exactly,
 * whole or between the final angle brackets, so a lenient parse can never route mail to
 * an address the caller did not write.
 */
function parseMailboxString(field: string, input: string): Address {
  const trimmed = input.trim();
  if (trimmed === '') throw invalid(field, input, 'it is empty');
  // Most recipients are bare ASCII addresses, which hold none of addressparser's
  // special characters: it would return them unchanged, at most of a send's own cost.
  if (BARE_ADDRESS.test(trimmed)) return checkedAddress(field, trimmed, undefined);
  const parsed = addressparser(trimmed);
  const [first] = parsed;
  if (parsed.length !== 1 || first === undefined || first.group !== undefined) {
    throw invalid(
      field,
      input,
      'a string must hold exactly one address; pass an array for several',
    );
  }
  const exact = trimmed === first.address || trimmed.endsWith(`<${first.address}>`);
  if (!first.address || !exact) throw invalid(field, input, 'it is not local@domain');
  return checkedAddress(field, first.address, first.name || undefined);
}

function parseAddressObject(field: string, input: object): Address {
  const { address, name } = input as { address?: unknown; name?: unknown };
  if (typeof address !== 'string') {
    const got = address === undefined ? 'missing' : `${typeName(address)}, not a string`;
    throw new ValidationError(
      'INVALID_ADDRESS',
      `${field} must be an address string or { address, name }: ${field}.address is ${got}`,
      { details: { field } },
    );
  }
  assertHeaderSafe(address, `${field}.address`);
  if (name !== undefined && typeof name !== 'string') {
    throw new ValidationError('INVALID_INPUT', `${field}.name must be a string`, {
      details: { field: `${field}.name` },
    });
  }
  if (name !== undefined) assertHeaderSafe(name, `${field}.name`);
  return checkedAddress(field, address.trim(), name?.trim() || undefined);
}

/**
 * Parses and validates one address-list field (`to`, `cc`, `replyTo`…) into
 * {@link Address}es. Throws `INVALID_ADDRESS`, `HEADER_INJECTION` or `INVALID_INPUT`
 * naming the field and position of the bad value.
 *
 * A field given as an empty or blank string holds no addresses, like `[]` (so a message
 * with only `to: ''` fails with `NO_RECIPIENTS`); an empty string inside an array is
 * an invalid address.
 */
export function parseAddressList(input: AddressListInput | undefined, field: string): Address[] {
  if (input === undefined) return [];
  if (typeof input === 'string') {
    assertHeaderSafe(input, field);
    if (input.trim() === '') return [];
  }
  const items: readonly unknown[] = Array.isArray(input) ? input : [input];
  return items.map((item, index) => {
    const where = Array.isArray(input) ? `${field}[${index}]` : field;
    if (typeof item === 'string') {
      assertHeaderSafe(item, where);
      return parseMailboxString(where, item);
    }
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      return parseAddressObject(where, item);
    }
    throw new ValidationError(
      'INVALID_ADDRESS',
      `${where} must be an address string or { address, name }, got ${typeName(item)}`,
      { details: { field: where } },
    );
  });
}

/** Parses a single-address field such as `from`. */
export function parseAddress(input: unknown, field: string): Address {
  if (Array.isArray(input)) {
    throw new ValidationError('INVALID_ADDRESS', `${field} must be a single address`, {
      details: { field },
    });
  }
  const [address] = parseAddressList(input as AddressListInput, field);
  if (address === undefined) {
    throw invalid(field, input, typeof input === 'string' ? 'it is empty' : 'it is missing');
  }
  return address;
}
