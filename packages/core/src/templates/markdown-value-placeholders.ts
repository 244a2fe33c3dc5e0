import { randomInt } from 'node:crypto';
import { escapeHtml } from './escape-html.js';

const LETTER_X = 0x78;
const FRAGMENT_LENGTH = 8;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

// Lower-case letters and digits only, which marked leaves alone; `randomInt` is unbiased.
function randomBase36(length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) text += randomInt(36).toString(36);
  return text;
}

// What a value right after a raw `<` gets instead: the bracket as text.
const ESCAPED_OPEN = '&lt;';

/** The two halves of a {@link MarkdownValuePlaceholders.transform}. */
export interface PieceChange {
  /** Changes a piece of the author's text; the result is written as it is. */
  text(piece: string, previous: string | undefined): string;
  /** Changes a value; the result is output, so it writes values with `write`. */
  value(value: string, previous: string | undefined): string;
}

/**
 * Keeps context values out of marked. marked does not sanitise, and a value's Markdown
 * (`[x](javascript:…)`, `**`, `# `, a bare URL) would become live markup; HTML-escaping
 * alone does not stop that, and Markdown-escaping shows up literally in code spans. So
 * while a Markdown template renders for its HTML part, each value is written as an
 * opaque placeholder (digits and lower-case letters, which marked leaves alone
 * everywhere, starting with a digit so that no `<` before it opens a tag), and after
 * marked has run each placeholder is replaced by the HTML-escaped value.
 */
export class MarkdownValuePlaceholders {
  // Random per renderer, so neither authors nor values can forge a placeholder. Random
  // from its second character on: a value holding the first eight characters is taken
  // for a cut placeholder, which by chance happens once in 36^7 (about 8e10) values.
  readonly #prefix = `0${randomBase36(15)}n`;
  readonly #fragment = new RegExp(this.#prefix.slice(0, FRAGMENT_LENGTH), 'i');
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
    const values = this.#collecting();
    if (value === '') return '';
    values.push(value);
    return `${this.#prefix}${values.length - 1}x`;
  }

  /**
   * Applies a per-piece transformation (a case filter, `nl2br`) to output written during
   * {@link collect}: `text` to its text as written, `value` to each value in it, which
   * writes the value anew (see {@link write}). Both get `previous`, the character before
   * the piece as the output reads with its values (undefined for the first piece).
   */
  transform(output: string, change: PieceChange): string {
    const values = this.#collecting();
    let previous: string | undefined;
    const piece = (text: string, changeOf: (piece: string, previous?: string) => string) => {
      if (text === '') return '';
      const changed = changeOf(text, previous);
      previous = text.at(-1);
      return changed;
    };
    // A value captured with {% set %} holds placeholders of values written before it:
    // its pieces are changed in place.
    const apply = (text: string, limit: number): string => {
      let result = '';
      let copied = 0;
      for (let found = this.#find(text, 0); found; found = this.#find(text, copied)) {
        result += piece(text.slice(copied, found.at), change.text);
        copied = found.end;
        const value = found.index < limit ? (values[found.index] ?? '') : '';
        result += value.includes(this.#prefix)
          ? apply(value, found.index)
          : piece(value, change.value);
      }
      return result + piece(text.slice(copied), change.text);
    };
    return apply(output, values.length);
  }

  /** Whether `text` holds placeholders (of this renderer, in the letter case written). */
  holdsValues(text: string): boolean {
    return text.includes(this.#prefix);
  }

  /**
   * The text of output written during {@link collect} as the text part reads it: each
   * placeholder replaced by its value, unescaped.
   */
  restore(output: string): string {
    const values = this.#collecting();
    return this.#restore(output, values, values.length);
  }

  /**
   * Replaces the placeholders in marked's HTML output with the HTML-escaped values. A
   * value in the name of a tag (raw HTML like `<{{ value }}>`) is text, bracket and all;
   * so is one in Markdown's autolink brackets, which marked leaves as text.
   */
  fill(html: string, values: readonly string[]): string {
    return this.#expand(html, values, values.length);
  }

  /**
   * Whether marked's `html` (before {@link fill}) or a value holds what is left of a
   * placeholder beside the whole ones: its first eight characters, in any letter case.
   * A filter or string method applied to a block, a macro's output or a capture cut
   * one, and its value would be lost.
   */
  holdsBrokenPlaceholder(html: string, values: readonly string[]): boolean {
    return this.#holdsBroken(html) || values.some((value) => this.#holdsBroken(value));
  }

  #holdsBroken(text: string): boolean {
    let rest = '';
    let copied = 0;
    for (let found = this.#find(text, 0); found; found = this.#find(text, copied)) {
      rest += `${text.slice(copied, found.at)} `;
      copied = found.end;
    }
    return this.#fragment.test(rest + text.slice(copied));
  }

  #collecting(): string[] {
    if (this.#values === undefined) {
      throw new Error(
        'a Markdown template value was written outside MarkdownValuePlaceholders.collect',
      );
    }
    return this.#values;
  }

  // A scan with indexOf, not a RegExp: this runs over every Markdown email's HTML, and
  // the scan takes a fraction of the time (benchmark S7).
  #find(text: string, from: number): { at: number; end: number; index: number } | undefined {
    const prefix = this.#prefix;
    for (let at = text.indexOf(prefix, from); at !== -1; at = text.indexOf(prefix, at + 1)) {
      const digits = at + prefix.length;
      let end = digits;
      while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
      if (end > digits && text.charCodeAt(end) === LETTER_X) {
        return { at, end: end + 1, index: Number(text.slice(digits, end)) };
      }
    }
    return undefined;
  }

  #expand(text: string, values: readonly string[], limit: number): string {
    let filled = '';
    let copied = 0;
    for (let found = this.#find(text, 0); found; found = this.#find(text, copied)) {
      let before = text.slice(copied, found.at);
      copied = found.end;
      const raw = found.index < limit ? (values[found.index] ?? '') : '';
      // A value captured with {% set %} holds placeholders of values written before it.
      const value = raw.includes(this.#prefix) ? this.#restore(raw, values, found.index) : raw;
      // Right after `<`, the placeholder is a tag's name in raw HTML: the bracket is text.
      if (before.endsWith('<')) before = `${before.slice(0, -1)}${ESCAPED_OPEN}`;
      filled += before + escapeHtml(value);
    }
    return filled + text.slice(copied);
  }

  // The text of `output` with the values of its placeholders (of those before `limit`).
  #restore(output: string, values: readonly string[], limit: number): string {
    let restored = '';
    let copied = 0;
    for (let found = this.#find(output, 0); found; found = this.#find(output, copied)) {
      const value = found.index < limit ? (values[found.index] ?? '') : '';
      restored +=
        output.slice(copied, found.at) +
        (value.includes(this.#prefix) ? this.#restore(value, values, found.index) : value);
      copied = found.end;
    }
    return restored + output.slice(copied);
  }
}
