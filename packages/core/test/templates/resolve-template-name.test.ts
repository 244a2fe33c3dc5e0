import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createTemplateRenderer, type TemplateError } from '@mailroom/core';
import { describe, expect, it } from 'vitest';
import { TemplateError as SourceTemplateError } from '../../src/errors.js';
import { resolveTemplateName } from '../../src/templates/resolve-template-name.js';
import { templateDir } from './template-dir.js';

function invalidName(make: () => unknown): SourceTemplateError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(SourceTemplateError);
    expect((error as SourceTemplateError).code).toBe('TEMPLATE_INVALID_NAME');
    return error as SourceTemplateError;
  }
  throw new Error('expected TEMPLATE_INVALID_NAME');
}

describe('resolveTemplateName', () => {
  it.each([
    ['absolute POSIX path', '/etc/passwd', 'absolute'],
    ['absolute path to a template', '/welcome.txt', 'absolute'],
    ['Windows drive path', 'C:/emails/welcome.txt', 'absolute'],
    ['parent directory', '../secret.txt', 'leaves the template directory'],
    ['bare ..', '..', 'leaves the template directory'],
    ['.. deeper than the directory', 'a/../../secret.txt', 'leaves the template directory'],
    ['NUL byte', 'welcome.txt\0.html', 'NUL byte'],
    ['NUL byte at the end', 'welcome\0', 'NUL byte'],
    ['other control character', 'wel\ncome.txt', 'control character'],
    ['encoded ..', '%2e%2e/secret.txt', 'percent-encoded'],
    ['encoded .. in upper case', '%2E%2E/secret.txt', 'percent-encoded'],
    ['encoded slash', '..%2fsecret.txt', 'percent-encoded'],
    ['encoded slash in upper case', 'a%2Fb.txt', 'percent-encoded'],
    ['encoded backslash', '..%5csecret.txt', 'percent-encoded'],
    ['backslash traversal', '..\\secret.txt', 'backslashes'],
    ['backslash separator', 'partials\\footer.txt', 'backslashes'],
    ['Windows absolute with backslashes', 'C:\\secret.txt', 'backslashes'],
    ['empty name', '', 'empty'],
    ['blank name', '   ', 'empty'],
    ['directory', 'partials/', 'directory'],
    ['current directory', '.', 'directory'],
  ])('refuses a %s', (_label, name, reason) => {
    const error = invalidName(() => resolveTemplateName(name));
    expect(error.message).toContain(reason);
    expect(error.message).toContain(JSON.stringify(name));
    expect(error.details.template).toBe(name);
  });

  it.each([
    ['a..b.txt', 'a..b.txt'],
    ['...txt', '...txt'],
    ['welcome', 'welcome'],
    ['emails/welcome.html', 'emails/welcome.html'],
    ['./welcome.md', 'welcome.md'],
    ['a/../b.txt', 'b.txt'],
    ['a//b.txt', 'a/b.txt'],
    ['100%.txt', '100%.txt'],
  ])('accepts %s', (name, normalized) => {
    expect(resolveTemplateName(name)).toBe(normalized);
  });
});

describe('template names when rendering', () => {
  it('renders a legal name with a double dot', async () => {
    const dir = await templateDir({ 'a..b.txt': 'double dot' });
    const render = createTemplateRenderer({ dir });
    await expect(render('a..b.txt', {})).resolves.toEqual({ text: 'double dot' });
    await expect(render('a..b', {})).resolves.toEqual({ text: 'double dot' });
  });

  it('refuses every unsafe name before touching the file system', async () => {
    const dir = await templateDir({ 'welcome.txt': 'hi' });
    await writeFile(join(dirname(dir), 'secret.txt'), 'secret');
    const render = createTemplateRenderer({ dir });
    for (const name of [
      join(dirname(dir), 'secret.txt'),
      '../secret.txt',
      '../secret',
      'welcome.txt\0',
      '%2e%2e/secret.txt',
      '..%2fsecret.txt',
      '..\\secret.txt',
    ]) {
      await expect(render(name, {})).rejects.toMatchObject({ code: 'TEMPLATE_INVALID_NAME' });
    }
  });

  it('refuses a template that is a symbolic link to a file outside the directory', async () => {
    const dir = await templateDir({ 'welcome.txt': 'hi' });
    const outside = join(dirname(dir), 'outside.txt');
    await writeFile(outside, 'outside the directory');
    await symlink(outside, join(dir, 'linked.txt'));
    const render = createTemplateRenderer({ dir });
    const error = await render('linked.txt', {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TEMPLATE_INVALID_NAME' });
    expect((error as Error).message).toContain('outside the template directory');
    await expect(render('linked', {})).rejects.toMatchObject({ code: 'TEMPLATE_INVALID_NAME' });
  });

  it('refuses a template reached through a symbolic link to a directory outside', async () => {
    const dir = await templateDir({ 'welcome.txt': 'hi' });
    const elsewhere = join(dirname(dir), 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'secret.txt'), 'secret');
    await symlink(elsewhere, join(dir, 'shared'));
    const render = createTemplateRenderer({ dir });
    await expect(render('shared/secret.txt', {})).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID_NAME',
    });
  });

  it('follows a symbolic link that stays inside the directory', async () => {
    const dir = await templateDir({ 'real/welcome.txt': 'inside' });
    await symlink(join(dir, 'real/welcome.txt'), join(dir, 'alias.txt'));
    await expect(createTemplateRenderer({ dir })('alias', {})).resolves.toEqual({
      text: 'inside',
    });
  });

  it('applies the same rules to names in include and extends tags', async () => {
    const dir = await templateDir({
      'include-parent.txt': 'x\n{% include "../secret.txt" %}\n',
      'extends-absolute.html': '{% extends "/etc/passwd" %}',
      'include-encoded.txt': '{% include "%2e%2e/secret.txt" %}',
    });
    await writeFile(join(dirname(dir), 'secret.txt'), 'secret');
    const render = createTemplateRenderer({ dir });
    for (const name of ['include-parent', 'extends-absolute', 'include-encoded']) {
      const error = await render(name, {}).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'TEMPLATE_INVALID_NAME' });
      expect((error as TemplateError).details.referencedBy).toMatchObject({
        template: expect.stringContaining(name),
      });
    }
  });
});
