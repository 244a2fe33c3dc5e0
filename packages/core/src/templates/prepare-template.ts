import type nunjucks from 'nunjucks';
import { TemplateError } from '../errors.js';
import { compileTemplate, templateFromCompiled } from './compile-template.js';
import { findTemplateVariants, type TemplateVariant } from './find-template-variants.js';
import { type FrontMatterEntry, splitFrontMatter } from './front-matter.js';
import { resolveTemplateName } from './resolve-template-name.js';
import type { TemplateDirectory } from './template-directory.js';
import type { TemplateEnvironments } from './template-environments.js';

/** A template file ready to render, with what its front matter declared. */
export interface PreparedVariant extends TemplateVariant {
  /** The compiled subject line, rendered as text. */
  subject?: nunjucks.Template;
  /** Markdown with a layout: renders the layout with the HTML in its `content` block. */
  layout?: nunjucks.Template;
}

/** Variable through which the layout wrapper receives the Markdown's HTML. */
export const LAYOUT_CONTENT_VARIABLE = '__mailroomContent';

function compileLayout(
  variant: TemplateVariant,
  entry: FrontMatterEntry,
  directory: TemplateDirectory,
  envs: TemplateEnvironments,
): nunjucks.Template {
  if (variant.kind !== 'markdown') {
    throw new TemplateError(
      'TEMPLATE_RENDER',
      `template ${JSON.stringify(variant.file)} declares a layout at line ${entry.line}, which only Markdown templates take; HTML and text templates use {% extends %}`,
      { details: { template: variant.file, line: entry.line } },
    );
  }
  const layout = resolveTemplateName(entry.value);
  if (directory.locate(layout) === undefined) {
    throw new TemplateError(
      'TEMPLATE_NOT_FOUND',
      `layout ${JSON.stringify(layout)} of template ${JSON.stringify(variant.file)} (line ${entry.line}) not found in ${directory.path}`,
      {
        details: {
          template: layout,
          dir: directory.path,
          referencedBy: { template: variant.file, line: entry.line },
        },
      },
    );
  }
  // A child of the layout whose content block is the Markdown's HTML, passed marked safe.
  const source = `{% extends ${JSON.stringify(layout)} %}{% block content %}{{ ${LAYOUT_CONTENT_VARIABLE} }}{% endblock %}`;
  const compiled = compileTemplate(envs.html, source, {
    name: variant.file,
    lineOffset: entry.line - 1,
  });
  return templateFromCompiled(compiled, envs.html, variant.file);
}

/**
 * Finds the files a (checked) template name stands for and reads their front matter:
 * the subject compiled for the text environment, the layout of a Markdown template
 * checked and compiled. The bodies are compiled by the environments' loaders.
 */
export function prepareTemplate(
  name: string,
  directory: TemplateDirectory,
  envs: TemplateEnvironments,
): PreparedVariant[] {
  return findTemplateVariants(directory, name).map((variant) => {
    const { frontMatter } = splitFrontMatter(directory.read(variant.file), variant.file);
    const { subject, layout } = frontMatter;
    return {
      ...variant,
      ...(subject === undefined
        ? {}
        : {
            subject: templateFromCompiled(
              compileTemplate(envs.text, subject.value, {
                name: variant.file,
                lineOffset: subject.line - 1,
              }),
              envs.text,
              variant.file,
            ),
          }),
      ...(layout === undefined ? {} : { layout: compileLayout(variant, layout, directory, envs) }),
    };
  });
}
