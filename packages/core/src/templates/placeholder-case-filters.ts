import nunjucks from 'nunjucks';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';

const { SafeString } = nunjucks.runtime;

const capitalize = (text: string): string =>
  text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();

// nunjucks' case filters, applied to text and values apart. As in nunjucks, capitalize
// and title keep output marked safe (a macro's, with its Markdown) safe, upper and lower
// do not.
const CASE_FILTERS: ReadonlyArray<{
  name: string;
  change: (piece: string, previous: string | undefined) => string;
  keepsSafe: boolean;
}> = [
  { name: 'upper', change: (piece) => piece.toUpperCase(), keepsSafe: false },
  { name: 'lower', change: (piece) => piece.toLowerCase(), keepsSafe: false },
  {
    name: 'capitalize',
    change: (piece, previous) => (previous === undefined ? capitalize(piece) : piece.toLowerCase()),
    keepsSafe: true,
  },
  {
    name: 'title',
    // A piece that starts inside a word (a value right after text) goes on with it.
    change: (piece, previous) =>
      piece
        .split(' ')
        .map((word, index) =>
          index === 0 && previous !== undefined && previous !== ' '
            ? word.toLowerCase()
            : capitalize(word),
        )
        .join(' '),
    keepsSafe: true,
  },
];

const textOf = (input: unknown): string =>
  input === undefined || input === null ? '' : String(input);

/**
 * Makes nunjucks' case filters work on output that holds value placeholders (a
 * `{% filter upper %}` block, a macro's output through `| title`) in the environment
 * that renders Markdown for its HTML part: nunjucks' own would change the placeholders
 * themselves, and the values would be lost. Text and values are changed apart, values
 * written anew as values. Other filters see the placeholders; should one change them,
 * the render is refused (see `MarkdownValuePlaceholders.holdsBrokenPlaceholder`).
 */
export function addPlaceholderCaseFilters(
  env: nunjucks.Environment,
  placeholders: MarkdownValuePlaceholders,
): void {
  for (const { name, change, keepsSafe } of CASE_FILTERS) {
    env.addFilter(name, (input: unknown) => {
      const output = placeholders.transform(textOf(input), change);
      return keepsSafe && input instanceof SafeString ? new SafeString(output) : output;
    });
  }
}
