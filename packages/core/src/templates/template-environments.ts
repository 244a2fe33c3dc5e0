import nunjucks from 'nunjucks';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';
import { addPlaceholderCaseFilters } from './placeholder-case-filters.js';
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

// The escape filter would put entities into text, and into Markdown before marked (where
// its output, marked safe, would let the value's Markdown through): in those environments
// it hands the value on as a plain string, to be written like any other value.
const passValueOn = (value: unknown): unknown =>
  value instanceof nunjucks.runtime.SafeString || value === undefined || value === null
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
  if (!autoescape || writeValue !== undefined) {
    env.addFilter('escape', passValueOn);
    env.addFilter('e', passValueOn);
  }
  return env;
}

/** Creates the text, HTML and Markdown-HTML environments over `directory`. */
export function createTemplateEnvironments(
  directory: TemplateDirectory,
  options: TemplateEnvironmentsOptions,
): TemplateEnvironments {
  const { placeholders } = options;
  const markdownHtml = createEnvironment(directory, options, true, (value) =>
    placeholders.write(value),
  );
  addPlaceholderCaseFilters(markdownHtml, placeholders);
  return {
    text: createEnvironment(directory, options, false),
    html: createEnvironment(directory, options, true),
    markdownHtml,
  };
}
