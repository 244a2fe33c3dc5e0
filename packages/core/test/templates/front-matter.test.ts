import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.js';
import { bodySource, splitFrontMatter } from '../../src/templates/front-matter.js';

function frontMatterError(source: string): TemplateError {
  try {
    splitFrontMatter(source, 'welcome.md');
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).code).toBe('TEMPLATE_RENDER');
    return error as TemplateError;
  }
  throw new Error('expected a front matter error');
}

describe('splitFrontMatter', () => {
  it('leaves a template without front matter as it is', () => {
    expect(splitFrontMatter('Hello {{ name }}\n', 'a.txt')).toEqual({
      frontMatter: {},
      body: 'Hello {{ name }}\n',
      bodyLine: 1,
    });
  });

  it('reads subject and layout with their lines, and where the body starts', () => {
    const source =
      '---\nsubject: Welcome, {{ name }}!\n\n# a comment\nlayout: layout.html\n---\n# Hi\n';
    expect(splitFrontMatter(source, 'welcome.md')).toEqual({
      frontMatter: {
        subject: { value: 'Welcome, {{ name }}!', line: 2 },
        layout: { value: 'layout.html', line: 5 },
      },
      body: '# Hi\n',
      bodyLine: 7,
    });
  });

  it('removes surrounding quotes and handles CRLF line ends and a byte order mark', () => {
    const source =
      '\uFEFF---\r\nsubject: "Hello: {{ name }}"\r\nlayout: \'layout.html\'\r\n---\r\nBody';
    const { frontMatter, body, bodyLine } = splitFrontMatter(source, 'welcome.md');
    expect(frontMatter.subject?.value).toBe('Hello: {{ name }}');
    expect(frontMatter.layout?.value).toBe('layout.html');
    expect(body).toBe('Body');
    expect(bodyLine).toBe(5);
  });

  it('keeps line numbers: the body source starts on the same line as in the file', () => {
    const { body, bodyLine } = splitFrontMatter('---\nsubject: S\n---\nline 4\n', 'a.txt');
    expect(bodySource(body, bodyLine).split('\n')[3]).toBe('#}line 4');
    expect(bodySource('x', 1)).toBe('x');
  });

  it.each([
    ['an unknown key (a typo)', '---\nsubjct: Hi\n---\n', 2, 'unknown key "subjct"'],
    ['a line that is not key: value', '---\nsubject: Hi\njust text\n---\n', 3, 'key: value'],
    ['a key given twice', '---\nsubject: A\nsubject: B\n---\n', 3, 'given twice'],
    ['an empty value', '---\nsubject:   \n---\n', 2, 'empty'],
    ['a block that is never closed', '---\nsubject: Hi\nBody', 1, 'never closed'],
  ])('refuses %s, naming the template and line', (_label, source, line, reason) => {
    const error = frontMatterError(source);
    expect(error.message).toContain('"welcome.md"');
    expect(error.message).toContain(`line ${line}`);
    expect(error.message).toContain(reason);
    expect(error.details).toMatchObject({ template: 'welcome.md', line });
  });
});
