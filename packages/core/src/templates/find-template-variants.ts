import { TemplateError } from '../errors.js';
import type { TemplateDirectory } from './template-directory.js';
import { TEMPLATE_EXTENSIONS, type TemplateKind, templateKindOf } from './template-kind.js';

/** One template file and what it renders to. */
export interface TemplateVariant {
  /** The file's name inside the template directory. */
  file: string;
  /** What it renders to, from its extension. */
  kind: TemplateKind;
}

/**
 * The files a template name stands for. A name with a template extension is that file;
 * a name without one stands for every sibling that exists among `name.txt`, `name.html`,
 * `name.htm`, `name.md` and `name.markdown`. At most one of them may make the HTML part.
 *
 * Throws `TEMPLATE_NOT_FOUND` naming the files looked for and the directory, and
 * `TEMPLATE_INVALID_NAME` when the siblings are ambiguous.
 */
export function findTemplateVariants(
  directory: TemplateDirectory,
  name: string,
): TemplateVariant[] {
  const kind = templateKindOf(name);
  const candidates = kind === undefined ? TEMPLATE_EXTENSIONS.map((ext) => name + ext) : [name];
  const variants: TemplateVariant[] = [];
  for (const file of candidates) {
    if (directory.locate(file) !== undefined) {
      variants.push({ file, kind: templateKindOf(file) as TemplateKind });
    }
  }
  if (variants.length === 0) {
    const lookedFor = kind === undefined ? `: looked for ${candidates.join(', ')}` : '';
    throw new TemplateError(
      'TEMPLATE_NOT_FOUND',
      `template ${JSON.stringify(name)} not found in ${directory.path}${lookedFor}`,
      {
        details: { field: 'template', template: name, dir: directory.path, lookedFor: candidates },
      },
    );
  }
  const htmlSources = variants.filter((variant) => variant.kind !== 'text');
  if (htmlSources.length > 1) {
    throw new TemplateError(
      'TEMPLATE_INVALID_NAME',
      `template name ${JSON.stringify(name)} is ambiguous: ${htmlSources.map((v) => v.file).join(' and ')} would each make the HTML part; name one with its extension, or remove the other`,
      { details: { field: 'template', template: name, dir: directory.path } },
    );
  }
  return variants;
}
