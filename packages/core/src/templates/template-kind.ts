import { posix } from 'node:path';

/** What a template file renders to, decided by its extension. */
export type TemplateKind = 'text' | 'html' | 'markdown';

const KIND_BY_EXTENSION = new Map<string, TemplateKind>([
  ['.txt', 'text'],
  ['.html', 'html'],
  ['.htm', 'html'],
  ['.md', 'markdown'],
  ['.markdown', 'markdown'],
]);

/** The template extensions, in the order sibling variants are looked for. */
export const TEMPLATE_EXTENSIONS: readonly string[] = [...KIND_BY_EXTENSION.keys()];

/**
 * The kind of a template file: `.txt` is text; `.html`/`.htm` is HTML; `.md`/`.markdown`
 * is Markdown. Extensions match case-insensitively; any other name has no kind.
 */
export function templateKindOf(name: string): TemplateKind | undefined {
  return KIND_BY_EXTENSION.get(posix.extname(name).toLowerCase());
}
