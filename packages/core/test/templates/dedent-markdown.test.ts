import { describe, expect, it } from 'vitest';
import { commonIndent, dedentMarkdown } from '../../src/templates/dedent-markdown.js';

describe('dedentMarkdown', () => {
  it('removes the indentation shared by Markdown lines, ignoring tag-only and blank lines', () => {
    const source = [
      '{% extends "base.md" %}',
      '{% block body %}',
      '    # Hello {{ name }}',
      '',
      '    Thanks for joining.',
      '      - nested two more',
      '    {% include "footer.md" %}',
      '{% endblock %}',
    ].join('\n');
    expect(commonIndent(source)).toBe('    ');
    expect(dedentMarkdown(source)).toBe(
      [
        '{% extends "base.md" %}',
        '{% block body %}',
        '# Hello {{ name }}',
        '',
        'Thanks for joining.',
        '  - nested two more',
        '{% include "footer.md" %}',
        '{% endblock %}',
      ].join('\n'),
    );
  });

  it('keeps an indented code block in Markdown written at the margin', () => {
    const source = 'Run this:\n\n    npm install\n';
    expect(commonIndent(source)).toBe('');
    expect(dedentMarkdown(source)).toBe(source);
  });

  it('shares only the common prefix of mixed tabs and spaces', () => {
    expect(commonIndent('\t  a\n\t b\n')).toBe('\t ');
    expect(dedentMarkdown('\t  a\n\t b\n')).toBe(' a\nb\n');
  });

  it('keeps the number of lines', () => {
    const source = '  a\n\n  {# note #}\n  b';
    expect(dedentMarkdown(source).split('\n')).toHaveLength(4);
  });
});
