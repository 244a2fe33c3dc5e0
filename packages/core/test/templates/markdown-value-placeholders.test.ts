import { describe, expect, it } from 'vitest';
import { MarkdownValuePlaceholders } from '../../src/templates/markdown-value-placeholders.js';

const placeholderOf = (placeholders: MarkdownValuePlaceholders, value: string): string =>
  placeholders.collect(() => placeholders.write(value)).result;

describe('MarkdownValuePlaceholders', () => {
  it('writes placeholders of a digit, fifteen random letters or digits, and the index', () => {
    const placeholders = new MarkdownValuePlaceholders();
    const { result, values } = placeholders.collect(
      () => `${placeholders.write('a')} ${placeholders.write('b')}`,
    );
    expect(result).toMatch(/^0[0-9a-z]{15}n0x 0[0-9a-z]{15}n1x$/);
    expect(values).toEqual(['a', 'b']);
  });

  // A value holding a renderer's first eight characters is taken for a cut placeholder;
  // they must differ between renderers, or a value could be made to match them.
  it('starts each renderer’s placeholders differently', () => {
    const starts = new Set(
      Array.from({ length: 32 }, () =>
        placeholderOf(new MarkdownValuePlaceholders(), 'v').slice(0, 8),
      ),
    );
    expect(starts.size).toBe(32);
  });

  it('finds a cut placeholder in the HTML and in a value, in any letter case', () => {
    const placeholders = new MarkdownValuePlaceholders();
    const whole = placeholderOf(placeholders, 'v');
    expect(placeholders.holdsBrokenPlaceholder(`<p>${whole}</p>`, ['v'])).toBe(false);
    expect(placeholders.holdsBrokenPlaceholder(`<p>${whole.slice(0, 8)}</p>`, ['v'])).toBe(true);
    expect(placeholders.holdsBrokenPlaceholder('<p>x</p>', [whole.slice(0, 9).toUpperCase()])).toBe(
      true,
    );
    expect(placeholders.holdsBrokenPlaceholder(`<p>${whole.slice(0, 7)}</p>`, ['v'])).toBe(false);
  });
});
