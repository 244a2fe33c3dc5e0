import { MarkdownValuePlaceholders } from './markdown-value-placeholders.js';
import { type PreparedVariant, prepareTemplate } from './prepare-template.js';
import { renderPreparedTemplate } from './render-prepared-template.js';
import type { RenderTemplate } from './rendered-template.js';
import { resolveTemplateName } from './resolve-template-name.js';
import { TemplateDirectory } from './template-directory.js';
import { createTemplateEnvironments } from './template-environments.js';
import type { TemplateOptions } from './template-options.js';
import { validateTemplateOptions } from './validate-template-options.js';

/**
 * Creates the template engine a mailer uses for `sendEmail({ template, context })`
 * (`createMailer({ templates })` does this for you). Templates are nunjucks files under
 * `options.dir`:
 *
 * - `.txt` renders the text part; `.html`/`.htm` the HTML part (a text part is generated
 *   from it); `.md`/`.markdown` the HTML part through marked (GitHub-flavoured) and the
 *   rendered Markdown itself as the text part. Markdown written with a common
 *   indentation (inside a `{% block %}`) is dedented first.
 * - A name without one of these extensions (`welcome`) uses every sibling that exists:
 *   `welcome.txt`, `welcome.html`, `welcome.md`. The HTML part comes from `.html` before
 *   `.md`, the text part from `.txt` before `.md`; two of a kind (`.html` and `.htm`) are
 *   refused as ambiguous.
 * - Front matter at the top of a file sets the subject, a one-line template rendered as
 *   plain text; a Markdown template may also name an HTML layout, whose
 *   `{% block content %}` receives the Markdown's HTML:
 *   ```
 *   ---
 *   subject: Welcome, {{ user.name }}!
 *   layout: layout.html
 *   ---
 *   ```
 * - `extends`, `include`, `import` and macros work across the directory.
 * - Context values are HTML-escaped in HTML (also in HTML made from Markdown, where their
 *   Markdown stays inert); text output gets them verbatim, without entities.
 *
 * Compiled templates are kept (`cache: true`, the default, for production); with
 * `cache: false` every send reads and compiles the files again, so edits show without a
 * restart (for development). Templates are code: nunjucks has no sandbox, so they must
 * come from the developer, never from users; only `context` may carry user data.
 *
 * Errors are `TemplateError`s: `TEMPLATE_INVALID_NAME` for unsafe names,
 * `TEMPLATE_NOT_FOUND` naming the files looked for and the directory, `TEMPLATE_RENDER`
 * naming the file and line.
 */
export function createTemplateRenderer(options: TemplateOptions): RenderTemplate {
  const { dir, cache = true } = validateTemplateOptions(options);
  const directory = new TemplateDirectory(dir);
  const placeholders = new MarkdownValuePlaceholders();
  const envs = createTemplateEnvironments(directory, { cache, placeholders });
  const prepared = new Map<string, PreparedVariant[]>();
  return async (name, context) => {
    const file = resolveTemplateName(name);
    let variants = prepared.get(file);
    if (variants === undefined) {
      variants = prepareTemplate(file, directory, envs);
      if (cache) prepared.set(file, variants);
    }
    return renderPreparedTemplate(variants, context, envs, placeholders);
  };
}
