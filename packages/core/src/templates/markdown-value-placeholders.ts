import { randomBytes } from 'node:crypto';
import { escapeHtml } from './escape-html.js';

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
  readonly #pattern = new RegExp(`${this.#prefix}(\\d+)x`, 'g');
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
    const prefix = this.#prefix;
    const pattern = this.#pattern;
    // A value captured with {% set %} holds placeholders of values written before it;
    // only such a value is searched again. (`replace` with a global pattern collects
    // every match before calling back, so the nested use of the pattern is safe.)
    const expand = (text: string, limit: number): string =>
      text.replace(pattern, (_match, digits: string) => {
        const index = Number(digits);
        const value = values[index];
        if (value === undefined || index >= limit) return '';
        const escaped = escapeHtml(value);
        return escaped.includes(prefix) ? expand(escaped, index) : escaped;
      });
    return expand(html, values.length);
  }
}
