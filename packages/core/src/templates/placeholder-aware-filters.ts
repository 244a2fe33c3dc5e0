import nunjucks from 'nunjucks';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';

const { SafeString } = nunjucks.runtime;

type Filter = (this: unknown, input: unknown, ...args: unknown[]) => unknown;

const capitalize = (text: string): string =>
  text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();

// nunjucks' case filters, applied to text and values apart, so that output marked safe
// (a macro's) keeps its Markdown. As in nunjucks, capitalize and title keep it safe,
// upper and lower do not.
const CASE_FILTERS: ReadonlyArray<{
  name: string;
  change: (piece: string, first: boolean) => string;
  keepsSafe: boolean;
}> = [
  { name: 'upper', change: (piece) => piece.toUpperCase(), keepsSafe: false },
  { name: 'lower', change: (piece) => piece.toLowerCase(), keepsSafe: false },
  {
    name: 'capitalize',
    change: (piece, first) => (first ? capitalize(piece) : piece.toLowerCase()),
    keepsSafe: true,
  },
  {
    name: 'title',
    change: (piece) => piece.split(' ').map(capitalize).join(' '),
    keepsSafe: true,
  },
];

// Filters that leave text as it is: what they are given passes on, placeholders and all.
const TEXT_KEEPING = new Set(['safe', 'escape', 'e']);

const textOf = (input: unknown): string | undefined =>
  typeof input === 'string' || input instanceof SafeString ? String(input) : undefined;

/**
 * Makes nunjucks' filters work on output that holds value placeholders (a
 * `{% filter %}` block, a macro's output through `| truncate(40)`) in the environment
 * that renders Markdown for its HTML part; nunjucks' own would change the placeholders
 * themselves, and the values would be lost. Case filters change text and values apart;
 * any other filter is given the text with its values in place, and its output is then
 * written as one value: inert in Markdown, like every value.
 */
export function addPlaceholderAwareFilters(
  env: nunjucks.Environment,
  placeholders: MarkdownValuePlaceholders,
): void {
  const filters = (env as unknown as { filters: Record<string, Filter> }).filters;
  for (const [name, filter] of Object.entries(filters)) {
    if (TEXT_KEEPING.has(name)) continue;
    env.addFilter(name, function (this: unknown, input: unknown, ...args: unknown[]) {
      const text = textOf(input);
      if (text === undefined || !placeholders.holdsPlaceholder(text)) {
        return filter.call(this, input, ...args);
      }
      return String(filter.call(this, placeholders.restore(text), ...args));
    });
  }
  for (const { name, change, keepsSafe } of CASE_FILTERS) {
    env.addFilter(name, (input: unknown) => {
      const output = placeholders.transform(textOf(input) ?? String(input ?? ''), change);
      return keepsSafe && input instanceof SafeString ? new SafeString(output) : output;
    });
  }
}
