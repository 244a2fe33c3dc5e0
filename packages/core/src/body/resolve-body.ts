import { ValidationError } from '../errors.js';
import { htmlToPlainText } from './html-to-plain-text.js';
import { renderMarkdown } from './render-markdown.js';

/** The body fields a caller (or a template) supplies. */
export interface BodyInput {
  text?: string;
  html?: string;
  markdown?: string;
}

/** The parts of a message body. `text` is always present. */
export interface ResolvedBody {
  text: string;
  html?: string;
}

/**
 * Builds the text and HTML parts: `markdown` renders to HTML and is itself the text
 * part; `html` alone gets a generated text part; an explicit `text` always wins.
 * Returns `undefined` when there is no body at all.
 */
export function resolveBody(input: BodyInput): ResolvedBody | undefined {
  if (input.markdown !== undefined && input.html !== undefined) {
    throw new ValidationError('INVALID_INPUT', 'give either html or markdown, not both', {
      details: { field: 'markdown' },
    });
  }
  if (input.markdown !== undefined) {
    return { text: input.text ?? input.markdown, html: renderMarkdown(input.markdown) };
  }
  if (input.html !== undefined) {
    return { text: input.text ?? htmlToPlainText(input.html), html: input.html };
  }
  if (input.text !== undefined) return { text: input.text };
  return undefined;
}
