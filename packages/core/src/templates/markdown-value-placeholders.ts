import { randomBytes } from 'node:crypto';
import { escapeHtml } from './escape-html.js';

const LETTER_X = 0x78;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/**
 * Keeps context values out of marked. marked does not sanitise, and a value's Markdown
 * (`[x](javascript:…)`, `**`, `# `, a bare URL) would become live markup; HTML-escaping
 * alone does not stop that, and Markdown-escaping shows up literally in code spans. So
 * while a Markdown template renders for its HTML part, each value is written as an
 * opaque placeholder (letters and digits, which marked leaves alone everywhere), and
 * after marked has run each placeholder is replaced by the HTML-escaped value.
 */
export class MarkdownValuePlaceholders {
  // Random per renderer, so neither authors nor values can forge a placeholder.
  readonly #prefix = `mrv${randomBytes(8).toString('hex')}n`;
  #values: string[] | undefined;

  /**
   * Runs `render`, which must be synchronous (nunjucks with synchronous loaders), and
   * returns its result with the values written during it.
   */
  collect<T>(render: () => T): { result: T; values: string[] } {
    const values: string[] = [];
    this.#values = values;
    try {
      return { result: render(), values };
    } finally {
      this.#values = undefined;
    }
  }

  /** Writes a value during {@link collect}: its placeholder (nothing for an empty value). */
  write(value: string): string {
    if (this.#values === undefined) {
      throw new Error(
        'a Markdown template value was written outside MarkdownValuePlaceholders.collect',
      );
    }
    if (value === '') return '';
    this.#values.push(value);
    return `${this.#prefix}${this.#values.length - 1}x`;
  }

  /** Replaces the placeholders in marked's HTML output with the HTML-escaped values. */
  fill(html: string, values: readonly string[]): string {
    return this.#expand(html, values, values.length);
  }

  // A scan with indexOf, not a RegExp replace: this runs over every Markdown email's
  // HTML, and the scan takes a fraction of the time (benchmark S7).
  #expand(text: string, values: readonly string[], limit: number): string {
    const prefix = this.#prefix;
    let at = text.indexOf(prefix);
    if (at === -1) return text;
    let filled = '';
    let copied = 0;
    while (at !== -1) {
      const digits = at + prefix.length;
      let end = digits;
      while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
      if (end === digits || text.charCodeAt(end) !== LETTER_X) {
        at = text.indexOf(prefix, digits);
        continue;
      }
      const index = Number(text.slice(digits, end));
      const value = values[index];
      // A value captured with {% set %} holds placeholders of values written before it.
      const escaped = value === undefined || index >= limit ? '' : escapeHtml(value);
      filled += text.slice(copied, at);
      filled += escaped.includes(prefix) ? this.#expand(escaped, values, index) : escaped;
      copied = end + 1;
      at = text.indexOf(prefix, copied);
    }
    return filled + text.slice(copied);
  }
}
