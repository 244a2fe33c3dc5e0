import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jsonSizeUpperBound } from '../src/json-size-bound.js';

const exact = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('jsonSizeUpperBound', () => {
  const long = (unit: string) => unit.repeat(Math.ceil(5000 / unit.length));
  const strings = [
    '',
    'plain',
    'quote " and backslash \\',
    'line\nbreak\ttab\u0001control',
    'é ü 中文 😀',
    'lone \ud800 surrogate',
    long('a'),
    long('"'),
    long('\u0001'),
    long('\\'),
    long('中'),
    long('😀'),
    `${long('a')}\ud800`,
    `${long('a')}\u2028`,
    randomBytes(30_000).toString('base64'),
  ];

  it.each(strings.map((s) => [s.slice(0, 20), s]))(
    'is never below the JSON size of %j…',
    (_, s) => {
      expect(jsonSizeUpperBound(s)).toBeGreaterThanOrEqual(exact(s));
      expect(jsonSizeUpperBound({ [s]: [s, 1, true, null] })).toBeGreaterThanOrEqual(
        exact({ [s]: [s, 1, true, null] }),
      );
    },
  );

  it.each([
    '-0.0000012345678901234567',
    '-1.2345678901234567e-300',
    '-1.2345678901234567e+308',
    '-123456789012345680000',
  ])('bounds the number %s, one of the longest JSON forms', (text) => {
    // Written as strings: as literals they would be rounded.
    const value = Number(text);
    expect(jsonSizeUpperBound(value)).toBeGreaterThanOrEqual(exact(value));
  });

  it('bounds a job-shaped value, numbers, and values JSON leaves out or nulls', () => {
    const job = {
      v: 1,
      id: 'id',
      to: ['a@example.com'],
      size: -1.2345678901234e-300,
      max: Number.MAX_VALUE,
      nested: { deep: [[{}], []], flag: false },
      gone: undefined,
      holes: [undefined, () => 1],
      attachments: [{ filename: 'a.bin', contentBase64: randomBytes(10_000).toString('base64') }],
    };
    expect(jsonSizeUpperBound(job)).toBeGreaterThanOrEqual(exact(job));
  });

  it('is exact for a long string with nothing to escape, so a base64 attachment near the limit is not refused', () => {
    const base64 = randomBytes(3_000_000).toString('base64');
    expect(jsonSizeUpperBound(base64)).toBe(exact(base64));
  });
});
