import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ConfigError, TemplateError } from '../errors.js';

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The template directory: finds and reads template files by their checked name (see
 * `resolveTemplateName`), and refuses files that resolve outside it through a symbolic
 * link.
 *
 * Reads are synchronous because nunjucks asks its loaders for included and extended
 * templates synchronously while rendering; with caching on, each file is read once.
 */
export class TemplateDirectory {
  /** The directory's real path (symbolic links resolved). */
  readonly path: string;

  /** Opens `dir`, relative to the current directory; fails with `CONFIG_INVALID` when missing. */
  constructor(dir: string) {
    try {
      this.path = realpathSync(resolve(dir));
    } catch (error) {
      throw new ConfigError('templates.dir', `directory ${resolve(dir)} does not exist`, {
        cause: error,
      });
    }
  }

  /**
   * The real path of a template file, or `undefined` when there is no such file. Throws
   * `TEMPLATE_INVALID_NAME` when the name resolves outside the directory.
   */
  locate(name: string): string | undefined {
    let file: string;
    try {
      file = realpathSync(join(this.path, name));
    } catch (error) {
      if (isMissing(error)) return undefined;
      // ELOOP, ENAMETOOLONG, EACCES: the name cannot be used as a template here.
      throw new TemplateError(
        'TEMPLATE_INVALID_NAME',
        `template ${JSON.stringify(name)} cannot be opened in ${this.path}: ${(error as Error).message}`,
        { cause: error, details: { field: 'template', template: name, dir: this.path } },
      );
    }
    if (!file.startsWith(this.path + sep)) {
      throw new TemplateError(
        'TEMPLATE_INVALID_NAME',
        `template ${JSON.stringify(name)} resolves outside the template directory ${this.path} (through a symbolic link)`,
        { details: { field: 'template', template: name, dir: this.path } },
      );
    }
    return statSync(file).isFile() ? file : undefined;
  }

  /** The text of a template file; `TEMPLATE_NOT_FOUND` names it and the directory when missing. */
  read(name: string): string {
    const file = this.locate(name);
    if (file === undefined) {
      throw new TemplateError(
        'TEMPLATE_NOT_FOUND',
        `template ${JSON.stringify(name)} not found in ${this.path}`,
        { details: { field: 'template', template: name, dir: this.path } },
      );
    }
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TemplateError(
        'TEMPLATE_NOT_FOUND',
        `template ${JSON.stringify(name)} in ${this.path} cannot be read: ${(error as Error).message}`,
        { cause: error, details: { field: 'template', template: name, dir: this.path } },
      );
    }
  }
}
