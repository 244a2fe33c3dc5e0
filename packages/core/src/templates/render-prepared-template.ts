import nunjucks from 'nunjucks';
import { renderMarkdown } from '../body/render-markdown.js';
import { TemplateError } from '../errors.js';
import type { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';
import { LAYOUT_CONTENT_VARIABLE, type PreparedVariant } from './prepare-template.js';
import type { RenderedTemplate } from './rendered-template.js';
import type { TemplateEnvironments } from './template-environments.js';
import type { TemplateKind } from './template-kind.js';
import { toTemplateError } from './to-template-error.js';
import { trimRenderedText } from './trim-rendered-text.js';

type Context = Record<string, unknown>;

// Whose front matter subject is used when several siblings declare one.
const SUBJECT_PRECEDENCE: readonly TemplateKind[] = ['html', 'markdown', 'text'];

function render(template: nunjucks.Template, context: Context, name: string): string {
  try {
    return template.render(context);
  } catch (error) {
    throw toTemplateError(error, name);
  }
}

function renderFile(env: nunjucks.Environment, file: string, context: Context): string {
  try {
    return env.getTemplate(file).render(context);
  } catch (error) {
    throw toTemplateError(error, file);
  }
}

function renderText(
  variant: PreparedVariant,
  context: Context,
  envs: TemplateEnvironments,
): string {
  return trimRenderedText(renderFile(envs.text, variant.file, context));
}

// The Markdown's HTML as the layout gets it, noting whether the layout wrote it out (a
// layout is free to capture and change it, as long as it renders its content block).
class TrackedContent extends nunjucks.runtime.SafeString {
  written = false;

  override valueOf(): string {
    this.written = true;
    return super.valueOf();
  }

  override toString(): string {
    this.written = true;
    return super.toString();
  }
}

function renderMarkdownHtml(
  variant: PreparedVariant,
  context: Context,
  envs: TemplateEnvironments,
  placeholders: MarkdownValuePlaceholders,
): string {
  const { result: markdown, values } = placeholders.collect(() =>
    renderFile(envs.markdownHtml, variant.file, context),
  );
  const marked = renderMarkdown(markdown);
  if (placeholders.holdsBrokenPlaceholder(marked, values)) {
    throw new TemplateError(
      'TEMPLATE_RENDER',
      `template ${JSON.stringify(variant.file)}: a string method applied to a block, a macro's output or a {% set %} capture changed the values in it, which Markdown templates keep apart until marked has run; use the filter of the same purpose (truncate, replace, upper, …), or apply the method to each value instead`,
      { details: { template: variant.file } },
    );
  }
  const content = placeholders.fill(marked, values);
  if (variant.layout === undefined) return content;
  // Object.assign, not a spread with a computed key: a tenth of the cost in V8.
  const layoutContext: Context = Object.assign({}, context);
  const tracked = new TrackedContent(content);
  layoutContext[LAYOUT_CONTENT_VARIABLE] = tracked;
  const html = render(variant.layout, layoutContext, variant.file);
  if (!tracked.written) {
    throw new TemplateError(
      'TEMPLATE_RENDER',
      `template ${JSON.stringify(variant.file)}: its layout has no {% block content %} (or does not render it), so the email's HTML would lose its body`,
      { details: { template: variant.file } },
    );
  }
  return html;
}

/**
 * Renders prepared template variants into the parts of an email, whatever order they
 * are listed in (at most one variant of each kind):
 *
 * - HTML part: the `.html`/`.htm` variant; without one, the Markdown through marked
 *   (and its layout). With an HTML variant the Markdown's HTML is not rendered at all.
 * - Text part: the `.txt` variant; without one, the rendered Markdown source; without
 *   either, none (it is generated later, from the HTML).
 * - Subject: from the front matter of the HTML, then the Markdown, then the text variant.
 */
export function renderPreparedTemplate(
  variants: readonly PreparedVariant[],
  context: Context,
  envs: TemplateEnvironments,
  placeholders: MarkdownValuePlaceholders,
): RenderedTemplate {
  const html = variants.find((variant) => variant.kind === 'html');
  const markdown = variants.find((variant) => variant.kind === 'markdown');
  const text = variants.find((variant) => variant.kind === 'text');
  const rendered: RenderedTemplate = {};
  // Files render in extension order (.txt, .html, .md), which decides the error
  // reported when several of them fail.
  if (text !== undefined) rendered.text = renderText(text, context, envs);
  if (html !== undefined) {
    rendered.html = renderFile(envs.html, html.file, context);
  } else if (markdown !== undefined) {
    rendered.html = renderMarkdownHtml(markdown, context, envs, placeholders);
  }
  if (text === undefined && markdown !== undefined) {
    rendered.text = renderText(markdown, context, envs);
  }
  for (const kind of SUBJECT_PRECEDENCE) {
    const variant = variants.find((candidate) => candidate.kind === kind && candidate.subject);
    if (variant?.subject !== undefined) {
      rendered.subject = render(variant.subject, context, variant.file);
      break;
    }
  }
  return rendered;
}
