import nunjucks from 'nunjucks';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';
import { addPlaceholderAwareFilters } from './placeholder-aware-filters.js';
import type { TemplateDirectory } from './template-directory.js';
import { TemplateLoader } from './template-loader.js';

/**
 * The three nunjucks environments a template renderer uses, each with its own loader and
 * compiled-template cache because each compiles the same file differently.
 */
export interface TemplateEnvironments {
  /** `.txt`, the text part of Markdown, and subjects: no escaping at all. */
  text: nunjucks.Environment;
  /** `.html`/`.htm` and layouts: values HTML-escaped by nunjucks' autoescape. */
  html: nunjucks.Environment;
  /** The HTML part of Markdown: values become placeholders, filled in after marked. */
  markdownHtml: nunjucks.Environment;
}

/** Options of {@link createTemplateEnvironments}. */
export interface TemplateEnvironmentsOptions {
  /** Keep compiled templates (production) or recompile on every use (development). */
  cache: boolean;
  /** Where the Markdown HTML environment writes its values. */
  placeholders: MarkdownValuePlaceholders;
}

const { SafeString } = nunjucks.runtime;
const ESCAPE_FILTERS = ['escape', 'e', 'forceescape'];

// Text is never escaped: the escape filters hand the value on as it is.
const passValueOn = (value: unknown): unknown =>
  value instanceof SafeString || value === undefined || value === null
    ? (value ?? '')
    : String(value);

function createEnvironment(
  directory: TemplateDirectory,
  options: TemplateEnvironmentsOptions,
  autoescape: boolean,
  writeValue?: (value: string) => string,
): nunjucks.Environment {
  const loader = new TemplateLoader(directory, {
    noCache: !options.cache,
    ...(writeValue === undefined ? {} : { writeValue }),
  });
  // nunjucks' declarations want a string source; its runtime also takes compiled code.
  const env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
    autoescape,
    // Tags on lines of their own leave no blank lines or indentation in text output.
    trimBlocks: true,
    lstripBlocks: true,
    // Keeps the cause chain of errors, so the located TemplateError reaches the caller.
    dev: true,
  });
  loader.attach(env);
  return env;
}

/** Creates the text, HTML and Markdown-HTML environments over `directory`. */
export function createTemplateEnvironments(
  directory: TemplateDirectory,
  options: TemplateEnvironmentsOptions,
): TemplateEnvironments {
  const { placeholders } = options;
  const text = createEnvironment(directory, options, false);
  for (const name of ESCAPE_FILTERS) text.addFilter(name, passValueOn);
  const markdownHtml = createEnvironment(directory, options, true, (value) =>
    placeholders.write(value),
  );
  // Escaped in Markdown is what every value is: written as its placeholder (escaped once
  // it is filled in), and marked safe so that it is not written twice, nor let through
  // raw by a `| safe` after it.
  // forceescape escapes output marked safe too (a macro's), as in nunjucks.
  const writeEscaped =
    (force: boolean) =>
    (value: unknown): unknown =>
      value instanceof SafeString && !force
        ? value
        : new SafeString(
            placeholders.write(value === undefined || value === null ? '' : String(value)),
          );
  for (const name of ESCAPE_FILTERS) {
    markdownHtml.addFilter(name, writeEscaped(name === 'forceescape'));
  }
  addPlaceholderAwareFilters(markdownHtml, placeholders);
  return { text, html: createEnvironment(directory, options, true), markdownHtml };
}
