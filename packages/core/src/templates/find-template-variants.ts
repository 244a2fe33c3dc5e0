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

// The kinds with two extensions, and what two such siblings would each claim to be.
const AMBIGUOUS_ROLES: readonly (readonly [TemplateKind, string])[] = [
  ['html', 'make the HTML part'],
  ['markdown', 'be the Markdown source'],
];

/**
 * The files a template name stands for. A name with a template extension is that file;
 * a name without one stands for every sibling that exists among `name.txt`, `name.html`,
 * `name.htm`, `name.md` and `name.markdown`. Siblings of different kinds go together
 * (see `renderPreparedTemplate` for which part each makes); two of the same kind
 * (`.html` and `.htm`, or `.md` and `.markdown`) are ambiguous.
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
  for (const [ambiguousKind, role] of AMBIGUOUS_ROLES) {
    const sameKind = variants.filter((variant) => variant.kind === ambiguousKind);
    if (sameKind.length > 1) {
      throw new TemplateError(
        'TEMPLATE_INVALID_NAME',
        `template name ${JSON.stringify(name)} is ambiguous: ${sameKind.map((v) => v.file).join(' and ')} would each ${role}; name one with its extension, or remove the other`,
        { details: { field: 'template', template: name, dir: directory.path } },
      );
    }
  }
  return variants;
}
