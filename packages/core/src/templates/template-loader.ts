import { posix } from 'node:path';
import type nunjucks from 'nunjucks';
import { type CompiledTemplate, compileTemplate } from './compile-template.js';
import { dedentMarkdown } from './dedent-markdown.js';
import { bodySource, splitFrontMatter } from './front-matter.js';
import { resolveTemplateName } from './resolve-template-name.js';
import type { TemplateDirectory } from './template-directory.js';
import { templateKindOf } from './template-kind.js';

/** Options of a {@link TemplateLoader}. */
export interface TemplateLoaderOptions {
  /** Recompile on every use (development) instead of keeping compiled templates. */
  noCache: boolean;
  /** How `{{ … }}` values are written; nunjucks' autoescape setting when absent. */
  writeValue?: (value: string) => string;
}

/** What the loader hands nunjucks for one template. */
export interface TemplateLoaderSource {
  /** The compiled template. */
  src: CompiledTemplate;
  /** Its name inside the template directory. */
  path: string;
  /** Tells nunjucks not to keep it. */
  noCache: boolean;
}

/**
 * A nunjucks loader over the template directory. Every name it is asked for, including
 * those of `extends`, `include` and `import` tags, passes the same checks as a name given
 * to `sendEmail` (relative names such as `./footer.html` resolve against the template
 * that uses them). Front matter is blanked out, Markdown files are dedented (see
 * {@link dedentMarkdown}), and the source is compiled with
 * {@link compileTemplate} so errors name the right file and line.
 *
 * nunjucks keeps the compiled templates in `cache` unless `noCache` is set.
 */
export class TemplateLoader {
  /** Compiled templates by name; nunjucks' Environment owns and fills it. */
  cache: Record<string, unknown> = {};
  readonly #directory: TemplateDirectory;
  readonly #options: TemplateLoaderOptions;
  #env: nunjucks.Environment | undefined;

  /** A loader over `directory`; {@link attach} it to the Environment that uses it. */
  constructor(directory: TemplateDirectory, options: TemplateLoaderOptions) {
    this.#directory = directory;
    this.#options = options;
  }

  /** Tells the loader which Environment compiles its templates (options, filters). */
  attach(env: nunjucks.Environment): void {
    this.#env = env;
  }

  /** Reads, checks and compiles a template; throws a `TemplateError` when it cannot. */
  getSource(name: string): TemplateLoaderSource {
    if (this.#env === undefined) throw new Error('TemplateLoader used before attach()');
    const file = resolveTemplateName(name);
    const { body, bodyLine } = splitFrontMatter(this.#directory.read(file), file);
    const markdown = templateKindOf(file) === 'markdown';
    const { writeValue, noCache } = this.#options;
    const source = bodySource(markdown ? dedentMarkdown(body) : body, bodyLine);
    const src = compileTemplate(this.#env, source, {
      name: file,
      ...(writeValue === undefined ? {} : { writeValue }),
    });
    return { src, path: file, noCache };
  }

  /** True for names relative to the template that uses them. */
  isRelative(name: string): boolean {
    return name.startsWith('./') || name.startsWith('../');
  }

  /** Resolves a relative name against the template that uses it. */
  resolve(from: string, to: string): string {
    return posix.join(posix.dirname(from), to);
  }
}
