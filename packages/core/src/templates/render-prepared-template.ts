import nunjucks from 'nunjucks';
import { renderMarkdown } from '../body/render-markdown.js';
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

function renderMarkdownVariant(
  variant: PreparedVariant,
  context: Context,
  envs: TemplateEnvironments,
  placeholders: MarkdownValuePlaceholders,
): { html: string; text: string } {
  const { result: markdown, values } = placeholders.collect(() =>
    renderFile(envs.markdownHtml, variant.file, context),
  );
  const content = placeholders.fill(renderMarkdown(markdown), values);
  let html = content;
  if (variant.layout !== undefined) {
    // Object.assign, not a spread with a computed key: a tenth of the cost in V8.
    const layoutContext: Context = Object.assign({}, context);
    layoutContext[LAYOUT_CONTENT_VARIABLE] = new nunjucks.runtime.SafeString(content);
    html = render(variant.layout, layoutContext, variant.file);
  }
  const text = trimRenderedText(renderFile(envs.text, variant.file, context));
  return { html, text };
}

/**
 * Renders prepared template variants into the parts of an email: `.txt` gives the text
 * part; `.html`/`.htm` the HTML part (its text part is generated later, from the HTML);
 * Markdown both, the HTML through marked and the rendered Markdown as text, which a
 * `.txt` sibling overrides. The subject comes from the front matter of the HTML, then
 * the Markdown, then the text variant.
 */
export function renderPreparedTemplate(
  variants: readonly PreparedVariant[],
  context: Context,
  envs: TemplateEnvironments,
  placeholders: MarkdownValuePlaceholders,
): RenderedTemplate {
  const rendered: RenderedTemplate = {};
  for (const variant of variants) {
    if (variant.kind === 'html') {
      rendered.html = renderFile(envs.html, variant.file, context);
    } else if (variant.kind === 'markdown') {
      const { html, text } = renderMarkdownVariant(variant, context, envs, placeholders);
      rendered.html = html;
      rendered.text ??= text;
    } else {
      rendered.text = trimRenderedText(renderFile(envs.text, variant.file, context));
    }
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
