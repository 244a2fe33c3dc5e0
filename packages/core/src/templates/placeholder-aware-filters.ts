import nunjucks from 'nunjucks';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';

const { SafeString } = nunjucks.runtime;

type Filter = (this: unknown, ...args: unknown[]) => unknown;

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

// nunjucks' filters that read the characters of a string, or the items of a list. The
// others either only move whitespace and output as it is (trim, indent, default, join,
// string), which leaves placeholders whole, or are replaced here or in the environment.
const TEXT_READING_FILTERS = [
  'abs',
  'batch',
  'center',
  'dictsort',
  'dump',
  'first',
  'float',
  'groupby',
  'int',
  'last',
  'length',
  'list',
  'random',
  'reject',
  'rejectattr',
  'replace',
  'reverse',
  'round',
  'select',
  'selectattr',
  'slice',
  'sort',
  'sum',
  'striptags',
  'truncate',
  'urlencode',
  'urlize',
  'wordcount',
];

// The argument these filters put into their output (replace's replacement, truncate's
// ending), by position: a context value there must stay inert, as anywhere.
const INSERTED_ARGUMENT: Readonly<Record<string, number>> = { replace: 2, truncate: 3 };

const LINE_BREAK = /\r\n|\n/g;
const BR = '<br />\n';

const textOf = (input: unknown): string =>
  input === undefined || input === null ? '' : String(input);

/**
 * Makes nunjucks' filters work on output that holds value placeholders (a macro's output,
 * a `{% set %}` capture, a `{% filter %}` block, a value through `| e`) in the
 * environment that renders Markdown for its HTML part, where they would otherwise read,
 * cut or drop the placeholders instead of the values:
 *
 * - case filters and `nl2br` change text and values apart, writing values anew as values,
 *   so the output keeps its Markdown;
 * - filters that read text (`truncate`, `replace`, `length`, `urlencode`, `sort`, …)
 *   get the text with its values in, as in the text part. Their result is what the
 *   filter makes of the output as written (placeholders and the author's markup) when
 *   that reads the same; else it is written as one value, the same words as the text
 *   part, inert, its Markdown shown as it is. Strings in a list result are values.
 */
export function addPlaceholderAwareFilters(
  env: nunjucks.Environment,
  placeholders: MarkdownValuePlaceholders,
): void {
  for (const { name, change, keepsSafe } of CASE_FILTERS) {
    env.addFilter(name, (input: unknown) => {
      const output = placeholders.transform(textOf(input), {
        text: change,
        value: (value, previous) => placeholders.write(change(value, previous)),
      });
      return keepsSafe && input instanceof SafeString ? new SafeString(output) : output;
    });
  }
  const nl2br = env.getFilter('nl2br') as Filter;
  env.addFilter('nl2br', function placeholderNl2br(this: unknown, input: unknown) {
    const text = textOf(input);
    if (!placeholders.holdsValues(text)) return nl2br.call(this, input);
    const output = placeholders.transform(text, {
      text: (piece) => piece.replace(LINE_BREAK, BR),
      value: (value) =>
        value
          .split(LINE_BREAK)
          .map((line) => placeholders.write(line))
          .join(BR),
    });
    return input instanceof SafeString ? new SafeString(output) : output;
  });
  const holdsValues = (arg: unknown): boolean =>
    Array.isArray(arg)
      ? arg.some(holdsValues)
      : (typeof arg === 'string' || arg instanceof SafeString) &&
        placeholders.holdsValues(String(arg));
  const restore = (arg: unknown): unknown => {
    if (Array.isArray(arg)) return arg.map(restore);
    return holdsValues(arg) ? placeholders.restore(String(arg)) : arg;
  };
  const isText = (result: unknown): boolean =>
    typeof result === 'string' || result instanceof SafeString;
  // What the filter returned, read from values, written back as values: the strings in
  // a list (sort, reverse, batch, list of a string's characters) too, which are raw.
  const asValues = (result: unknown): unknown => {
    if (Array.isArray(result)) return result.map(asValues);
    return isText(result) ? new SafeString(placeholders.write(String(result))) : result;
  };
  // The inserted argument goes in as a value, a literal as much as a context value (the
  // two look alike here, and even plain letters become markup beside the author's `<` or
  // `[`); only whitespace alone (a Markdown line break), a number, or what the author
  // marked safe goes in as it is.
  const insertingValues = (args: unknown[], position: number | undefined): unknown[] => {
    const inserted = position === undefined ? undefined : args[position];
    if (inserted === undefined || inserted === null || typeof inserted === 'number') return args;
    if (inserted instanceof SafeString) return args;
    const text = String(inserted);
    if (text.trim() === '') return args;
    return args.map((arg, index) => (index === position ? placeholders.write(text) : arg));
  };
  for (const name of TEXT_READING_FILTERS) {
    const filter = env.getFilter(name) as Filter;
    const position = INSERTED_ARGUMENT[name];
    env.addFilter(name, function placeholderReading(this: unknown, ...args: unknown[]) {
      const written = insertingValues(args, position);
      if (!args.some(holdsValues)) return filter.apply(this, written);
      const result = filter.apply(this, args.map(restore));
      if (!isText(result)) return asValues(result);
      // Over the placeholders, the filter keeps the author's markup (a macro's link
      // through replace): that output is kept when it reads as the text part does.
      const asWritten = filter.apply(this, written);
      return isText(asWritten) && placeholders.restore(String(asWritten)) === String(result)
        ? asWritten
        : asValues(result);
    });
  }
}
