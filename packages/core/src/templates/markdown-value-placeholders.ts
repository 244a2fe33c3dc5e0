import { randomBytes } from 'node:crypto';
import { escapeHtml } from './escape-html.js';

const LETTER_X = 0x78;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

// What marked turns `<{{ value }}>` into: the placeholder is no tag, so its brackets
// are escaped.
const ESCAPED_OPEN = '&lt;';
const ESCAPED_CLOSE = '&gt;';

// A value that `<{{ value }}>` (a Markdown autolink) makes a link of: an http(s) or
// mailto URL, or an email address (CommonMark's forms; other schemes stay text).
const LINKABLE_URL = /^(?:https?|mailto):[^\s\p{Cc}<>]*$/iu;
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

const TAG_START = /[A-Za-z/!?]/;

// Whether marked's `html` up to here ends in text, read as a browser would, roughly:
// not inside a tag or a quoted attribute value (a link's title, an image's alt, an
// author's raw HTML), and outside <code>, where brackets stay text. Values in it are
// escaped, so each `<`, `>` and quote is the author's or marked's.
function endsInText(html: string): boolean {
  let inTag = false;
  let quote = '';
  let code = 0;
  for (let i = 0; i < html.length; i += 1) {
    const character = html[i];
    if (quote !== '') {
      if (character === quote) quote = '';
    } else if (inTag) {
      if (character === '"' || character === "'") quote = character;
      else if (character === '>') inTag = false;
    } else if (character === '<' && TAG_START.test(html[i + 1] ?? '')) {
      inTag = true;
      if (html.startsWith('<code', i)) code += 1;
      else if (html.startsWith('</code', i)) code -= 1;
    }
  }
  return !inTag && code <= 0;
}

function autolink(value: string): string | undefined {
  const text = escapeHtml(value);
  if (LINKABLE_URL.test(value)) return `<a href="${text}">${text}</a>`;
  if (EMAIL.test(value)) return `<a href="mailto:${text}">${text}</a>`;
  return undefined;
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
  // Random per renderer, so neither authors nor values can forge a placeholder.
  readonly #prefix = `0mrv${randomBytes(8).toString('hex')}n`;
  readonly #fragment = new RegExp(this.#prefix.slice(0, 8), 'i');
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
   * Applies a per-piece transformation (a case filter) to output written during
   * {@link collect}: to its text as written, and to each value in it, which is written
   * anew. `previous` is the character before the piece, as the output reads with its
   * values (undefined for the first piece).
   */
  transform(
    output: string,
    change: (piece: string, previous: string | undefined) => string,
  ): string {
    const values = this.#collecting();
    let result = '';
    let previous: string | undefined;
    const piece = (text: string, isValue: boolean): void => {
      if (text === '') return;
      const changed = change(text, previous);
      previous = text.at(-1);
      result += isValue ? this.write(changed) : changed;
    };
    let copied = 0;
    for (let found = this.#find(output, 0); found; found = this.#find(output, copied)) {
      piece(output.slice(copied, found.at), false);
      piece(values[found.index] ?? '', true);
      copied = found.end;
    }
    piece(output.slice(copied), false);
    return result;
  }

  /**
   * Replaces the placeholders in marked's HTML output with the HTML-escaped values. A
   * value that marked left in angle brackets (`<{{ url }}>`, an autolink in Markdown),
   * outside code, becomes a link when it is an http(s) or mailto URL or an email
   * address. A value in the name of a tag (raw HTML like `<{{ value }}>`) is text.
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
      filled += before;
      const link =
        before.endsWith(ESCAPED_OPEN) &&
        text.startsWith(ESCAPED_CLOSE, copied) &&
        endsInText(filled)
          ? autolink(value)
          : undefined;
      if (link === undefined) {
        filled += escapeHtml(value);
        continue;
      }
      filled = filled.slice(0, -ESCAPED_OPEN.length) + link;
      copied += ESCAPED_CLOSE.length;
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
