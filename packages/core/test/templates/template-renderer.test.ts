import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTemplateRenderer, TemplateError } from '@mailroom/core';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/templates/escape-html.js';
import { templateDir } from './template-dir.js';

const HOSTILE = {
  name: '<script>alert("x")</script> Tom & Jerry\'s **bold** _em_ `tick`',
  link: '[click me](javascript:alert(1)) ![pixel](https://evil.example/p.png) <https://evil.example>',
  heading: '# Not a heading\n\n- not a list\n\n    not code',
  url: 'https://evil.example/phish www.evil.example mallory@evil.example',
  tag: '<img src=x onerror=alert(1)>',
};

// Entities a text part must never gain from values.
const ENTITIES = /&(?:amp|lt|gt|quot|#39|#x27|#\d+);/;

async function renderError(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

describe('extension rules', () => {
  it('.txt renders the text part only, with the context', async () => {
    const dir = await templateDir({ 'note.txt': 'Hello {{ name }}!\n' });
    expect(await createTemplateRenderer({ dir })('note.txt', { name: 'Ada' })).toEqual({
      text: 'Hello Ada!',
    });
  });

  it.each(['page.html', 'page.htm'])('%s renders the HTML part only', async (file) => {
    const dir = await templateDir({ [file]: '<p>Hello {{ name }}</p>' });
    expect(await createTemplateRenderer({ dir })(file, { name: 'Ada' })).toEqual({
      html: '<p>Hello Ada</p>',
    });
  });

  it.each(['news.md', 'news.markdown'])(
    '%s renders HTML through marked (GFM) and the Markdown as text',
    async (file) => {
      const source = [
        '# Hello {{ name }}',
        '',
        'Read ~~old~~ **new** news: https://example.com/news',
        '',
        '| item | qty |',
        '| ---- | --- |',
        '| {{ item }} | 2 |',
        '',
      ].join('\n');
      const dir = await templateDir({ [file]: source });
      const rendered = await createTemplateRenderer({ dir })(file, { name: 'Ada', item: 'Tea' });
      expect(rendered.html).toContain('<h1>Hello Ada</h1>');
      expect(rendered.html).toContain('<del>old</del> <strong>new</strong>');
      expect(rendered.html).toContain('<a href="https://example.com/news">');
      expect(rendered.html).toMatch(/<table>[\s\S]*<td>Tea<\/td>/);
      expect(rendered.text).toBe(
        [
          '# Hello Ada',
          '',
          'Read ~~old~~ **new** news: https://example.com/news',
          '',
          '| item | qty |',
          '| ---- | --- |',
          '| Tea | 2 |',
        ].join('\n'),
      );
      expect(rendered.subject).toBeUndefined();
    },
  );

  it('matches extensions case-insensitively', async () => {
    const dir = await templateDir({ 'SHOUT.HTML': '<b>hi</b>' });
    expect(await createTemplateRenderer({ dir })('SHOUT.HTML', {})).toEqual({ html: '<b>hi</b>' });
  });
});

describe('sibling variants', () => {
  it('a name without extension uses welcome.txt and welcome.html together', async () => {
    const dir = await templateDir({
      'welcome.txt': 'Hi {{ name }}, in text.',
      'welcome.html': '<p>Hi {{ name }}, in HTML.</p>',
    });
    expect(await createTemplateRenderer({ dir })('welcome', { name: 'Ada' })).toEqual({
      text: 'Hi Ada, in text.',
      html: '<p>Hi Ada, in HTML.</p>',
    });
  });

  it('a name without extension uses welcome.md alone for both parts', async () => {
    const dir = await templateDir({ 'welcome.md': 'Hi **{{ name }}**' });
    expect(await createTemplateRenderer({ dir })('welcome', { name: 'Ada' })).toEqual({
      text: 'Hi **Ada**',
      html: '<p>Hi <strong>Ada</strong></p>\n',
    });
  });

  it('a .txt sibling of a Markdown template gives the text part', async () => {
    const dir = await templateDir({
      'welcome.md': 'Hi **{{ name }}**',
      'welcome.txt': 'Plain hi, {{ name }}.',
    });
    expect(await createTemplateRenderer({ dir })('welcome', { name: 'Ada' })).toEqual({
      text: 'Plain hi, Ada.',
      html: '<p>Hi <strong>Ada</strong></p>\n',
    });
  });

  it('a name with an extension uses that file only', async () => {
    const dir = await templateDir({ 'welcome.txt': 'text', 'welcome.html': '<p>html</p>' });
    const render = createTemplateRenderer({ dir });
    expect(await render('welcome.txt', {})).toEqual({ text: 'text' });
    expect(await render('welcome.html', {})).toEqual({ html: '<p>html</p>' });
  });

  it('finds variants in subdirectories and keeps other dots in the name', async () => {
    const dir = await templateDir({ 'billing/invoice.v2.html': '<p>v2</p>' });
    expect(await createTemplateRenderer({ dir })('billing/invoice.v2', {})).toEqual({
      html: '<p>v2</p>',
    });
  });

  it('says which files it looked for, and where, when none exists', async () => {
    const dir = await templateDir({ 'other.txt': '' });
    const error = await renderError(createTemplateRenderer({ dir })('welcome', {}));
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.message).toContain('"welcome"');
    expect(error.message).toContain(dir);
    for (const file of [
      'welcome.txt',
      'welcome.html',
      'welcome.htm',
      'welcome.md',
      'welcome.markdown',
    ]) {
      expect(error.message).toContain(file);
    }
    expect(error.details).toMatchObject({ template: 'welcome', dir });
  });

  it('names the template and directory when a named file is missing', async () => {
    const dir = await templateDir({ 'welcome.txt': '' });
    const error = await renderError(createTemplateRenderer({ dir })('welcome.html', {}));
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.message).toBe(`template "welcome.html" not found in ${dir}`);
  });

  it('uses .html for the HTML part and .txt for the text part when .md exists too', async () => {
    const dir = await templateDir({
      'welcome.txt': 'Plain hi, {{ name }}.',
      'welcome.html': '<p>Hi {{ name }}, in HTML.</p>',
      'welcome.md': 'Hi **{{ name }}**, in Markdown.',
    });
    expect(await createTemplateRenderer({ dir })('welcome', { name: 'Ada' })).toEqual({
      text: 'Plain hi, Ada.',
      html: '<p>Hi Ada, in HTML.</p>',
    });
  });

  it('uses .html for the HTML part and the rendered Markdown as text without .txt', async () => {
    const dir = await templateDir({
      'welcome.html': '<p>Hi {{ name }}, in HTML.</p>',
      'welcome.md': 'Hi **{{ name }}**, in Markdown.',
    });
    expect(await createTemplateRenderer({ dir })('welcome', { name: 'Ada' })).toEqual({
      text: 'Hi **Ada**, in Markdown.',
      html: '<p>Hi Ada, in HTML.</p>',
    });
  });

  it('does not render the HTML of Markdown, nor its layout, beside an .html sibling', async () => {
    const dir = await templateDir({
      // Rendering this layout would fail: calling an undefined function.
      'layout.html': '<main>{{ boom() }}{% block content %}{% endblock %}</main>',
      'welcome.html': '<p>From HTML</p>',
      'welcome.md': '---\nlayout: layout.html\n---\n# From Markdown',
    });
    expect(await createTemplateRenderer({ dir })('welcome', {})).toEqual({
      text: '# From Markdown',
      html: '<p>From HTML</p>',
    });
  });

  it.each([
    ['welcome.html', 'welcome.htm', 'make the HTML part'],
    ['welcome.md', 'welcome.markdown', 'be the Markdown source'],
  ])('refuses %s and %s together as ambiguous', async (first, second, role) => {
    const dir = await templateDir({ [first]: 'a', [second]: 'b' });
    const error = await renderError(createTemplateRenderer({ dir })('welcome', {}));
    expect(error.code).toBe('TEMPLATE_INVALID_NAME');
    expect(error.message).toBe(
      `template name "welcome" is ambiguous: ${first} and ${second} would each ${role}; name one with its extension, or remove the other`,
    );
  });
});

describe('subject from front matter', () => {
  it('renders the subject line as plain text with the context', async () => {
    const dir = await templateDir({
      'welcome.html': '---\nsubject: Welcome to {{ app }}, {{ name }}!\n---\n<p>Hi {{ name }}</p>',
    });
    const rendered = await createTemplateRenderer({ dir })('welcome', {
      app: 'R&D <Lab>',
      name: "O'Neil",
    });
    expect(rendered.subject).toBe("Welcome to R&D <Lab>, O'Neil!");
    expect(rendered.html).toBe('<p>Hi O&#39;Neil</p>');
  });

  it('takes the subject from the HTML variant before the text variant', async () => {
    const dir = await templateDir({
      'welcome.txt': '---\nsubject: From text\n---\ntext',
      'welcome.html': '---\nsubject: From HTML\n---\n<p>html</p>',
    });
    const render = createTemplateRenderer({ dir });
    expect((await render('welcome', {})).subject).toBe('From HTML');
    expect((await render('welcome.txt', {})).subject).toBe('From text');
  });

  it('takes the subject from the HTML variant, then the Markdown, then the text', async () => {
    const dir = await templateDir({
      'welcome.txt': '---\nsubject: From text\n---\ntext',
      'welcome.html': '---\nsubject: From HTML\n---\n<p>html</p>',
      'welcome.md': '---\nsubject: From Markdown\n---\nmarkdown',
      'other.txt': '---\nsubject: From text\n---\ntext',
      'other.html': '<p>html</p>',
      'other.md': '---\nsubject: From Markdown\n---\nmarkdown',
    });
    const render = createTemplateRenderer({ dir });
    expect((await render('welcome', {})).subject).toBe('From HTML');
    expect((await render('other', {})).subject).toBe('From Markdown');
  });

  it('uses a subject declared by the text variant only', async () => {
    const dir = await templateDir({
      'welcome.txt': '---\nsubject: From text\n---\ntext',
      'welcome.md': 'markdown',
    });
    expect((await createTemplateRenderer({ dir })('welcome', {})).subject).toBe('From text');
  });

  it('leaves a line break from the context in the subject, for the header check to refuse', async () => {
    const dir = await templateDir({ 'a.txt': '---\nsubject: Hi {{ name }}\n---\nx' });
    const rendered = await createTemplateRenderer({ dir })('a', { name: 'x\r\nBcc: y@z.com' });
    expect(rendered.subject).toBe('Hi x\r\nBcc: y@z.com');
  });
});

describe('layouts, extends, include and macros', () => {
  const files = {
    'layout.html': [
      '<html><head><title>{{ app }}</title></head><body>',
      '{% block content %}{% endblock %}',
      '{% include "partials/footer.html" %}',
      '</body></html>',
    ].join('\n'),
    'partials/footer.html':
      '<footer>{{ app }} · <a href="{{ unsubscribe }}">unsubscribe</a></footer>',
    'macros.html':
      '{% macro button(label, href) %}<a class="button" href="{{ href }}">{{ label }}</a>{% endmacro %}',
    'invoice.html': [
      '---',
      'subject: Invoice {{ number }}',
      '---',
      '{% extends "layout.html" %}',
      '{% import "macros.html" as ui %}',
      '{% block content %}',
      '<p>Dear {{ name }}, invoice {{ number }} is ready.</p>',
      '{{ ui.button("Pay now", payUrl) }}',
      '{% endblock %}',
    ].join('\n'),
    'base.md': '{% block body %}{% endblock %}\n\n---\nSent by {{ app }}\n',
    'welcome.md': [
      '---',
      'subject: Welcome, {{ name }}',
      'layout: layout.html',
      '---',
      '{% extends "base.md" %}',
      '{% from "macros.md" import greeting %}',
      '{% block body %}',
      '    {{ greeting(name) }}',
      '',
      '    Thanks for joining **{{ app }}**.',
      '    {% include "./partials/tips.md" %}',
      '{% endblock %}',
    ].join('\n'),
    'macros.md': '{% macro greeting(who) %}## Hello {{ who }}{% endmacro %}',
    'partials/tips.md': '\n- Tip: reply to this email\n',
  };
  const context = {
    app: 'Acme',
    name: 'Ada',
    number: 'INV-7',
    payUrl: 'https://pay.example/7',
    unsubscribe: 'https://acme.example/u',
  };

  it('renders an HTML template through its layout, include and imported macro', async () => {
    const dir = await templateDir(files);
    const rendered = await createTemplateRenderer({ dir })('invoice', context);
    expect(rendered.subject).toBe('Invoice INV-7');
    expect(rendered.html).toContain('<title>Acme</title>');
    expect(rendered.html).toContain('<p>Dear Ada, invoice INV-7 is ready.</p>');
    expect(rendered.html).toContain('<a class="button" href="https://pay.example/7">Pay now</a>');
    expect(rendered.html).toContain(
      '<footer>Acme · <a href="https://acme.example/u">unsubscribe</a></footer>',
    );
    expect(rendered.html?.trimEnd().endsWith('</body></html>')).toBe(true);
  });

  it('renders a Markdown template with a Markdown base, macros and includes into the shared HTML layout', async () => {
    const dir = await templateDir(files);
    const rendered = await createTemplateRenderer({ dir })('welcome', context);
    expect(rendered.subject).toBe('Welcome, Ada');
    expect(rendered.html).toContain('<title>Acme</title>');
    expect(rendered.html).toContain('<h2>Hello Ada</h2>');
    expect(rendered.html).toContain('<p>Thanks for joining <strong>Acme</strong>.</p>');
    expect(rendered.html).toContain('<li>Tip: reply to this email</li>');
    expect(rendered.html).toContain('<hr>');
    expect(rendered.html).toContain('<footer>Acme');
    expect(rendered.html).not.toContain('<pre>');
    expect(rendered.text).toBe(
      [
        '## Hello Ada',
        '',
        'Thanks for joining **Acme**.',
        '',
        '- Tip: reply to this email',
        '',
        '---',
        'Sent by Acme',
      ].join('\n'),
    );
  });

  it('renders {{ super() }} in a child block, over two levels, in every kind', async () => {
    const dir = await templateDir({
      'base.html': '{% block b %}<i>base {{ v }}</i>{% endblock %}',
      'mid.html': '{% extends "base.html" %}{% block b %}mid {{ super() }}{% endblock %}',
      'page.html': '{% extends "mid.html" %}{% block b %}{{ super() }} page{% endblock %}',
      'base.txt': '{% block b %}base {{ v }}{% endblock %}',
      'note.txt': '{% extends "base.txt" %}{% block b %}{{ super() }}, note{% endblock %}',
      'base.md': 'Hello\n\n{% block footer %}Thanks, **{{ v }}**{% endblock %}',
      'mail.md':
        '{% extends "base.md" %}{% block footer %}{{ super() }}\n\nP.S. {{ ps }}{% endblock %}',
    });
    const render = createTemplateRenderer({ dir });
    expect((await render('page.html', { v: '<x>' })).html).toBe('mid <i>base &lt;x&gt;</i> page');
    expect((await render('note.txt', { v: '<x>' })).text).toBe('base <x>, note');
    expect(await render('mail.md', { v: '<x>', ps: '**bye**' })).toEqual({
      html: '<p>Hello</p>\n<p>Thanks, <strong>&lt;x&gt;</strong></p>\n<p>P.S. **bye**</p>\n',
      text: 'Hello\n\nThanks, **<x>**\n\nP.S. **bye**',
    });
  });

  it('refuses a layout in front matter of a non-Markdown template', async () => {
    const dir = await templateDir({ ...files, 'bad.html': '---\nlayout: layout.html\n---\n<p/>' });
    const error = await renderError(createTemplateRenderer({ dir })('bad', context));
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toContain('{% extends %}');
  });

  it('lets a layout capture its content block and change it (inline styles)', async () => {
    const dir = await templateDir({
      'styled.html':
        '<div>{% set body %}{% block content %}{% endblock %}{% endset %}{{ body | replace("<p>", "<p style=\\"margin:0\\">") | safe }}</div>',
      'a.md': '---\nlayout: styled.html\n---\n# Hi {{ name }}\n\nbody\n',
    });
    expect((await createTemplateRenderer({ dir })('a', { name: 'Ada' })).html).toBe(
      '<div><h1>Hi Ada</h1>\n<p style="margin:0">body</p>\n</div>',
    );
  });

  it('refuses a layout without a content block instead of dropping the body', async () => {
    const dir = await templateDir({
      'layout.html': '<html><body>{% block main %}{% endblock %}</body></html>',
      'welcome.md': '---\nsubject: Welcome\nlayout: layout.html\n---\nYour code is **1234**.\n',
    });
    const error = await renderError(createTemplateRenderer({ dir })('welcome', {}));
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toContain('{% block content %}');
    expect(error.details.template).toBe('welcome.md');
  });

  it('names a missing layout and where it was declared', async () => {
    const dir = await templateDir({ 'a.md': '---\nsubject: S\nlayout: nope.html\n---\nx' });
    const error = await renderError(createTemplateRenderer({ dir })('a', {}));
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.message).toBe(
      `layout "nope.html" of template "a.md" (line 3) not found in ${dir}`,
    );
  });
});

describe('escaping', () => {
  const dir = templateDir({
    'hostile.html': [
      '<p title="{{ name }}">{{ name }}</p>',
      '<div>{{ link }}</div><div>{{ heading }}</div><div>{{ url }}</div><div>{{ tag }}</div>',
      '<div>{{ name | e }}</div>',
    ].join('\n'),
    'hostile.txt': 'Name: {{ name }}\nLink: {{ link }}\nHeading: {{ heading }}\nTag: {{ tag | e }}',
    'hostile.md': [
      '# Hello {{ name }}',
      '',
      '{{ heading }}',
      '',
      'Link: {{ link }}',
      '',
      'Visit {{ url }} and {{ tag }}, escaped {{ tag | e }}.',
      '',
      'Code: `{{ name }}`',
      '',
      '[Profile](https://example.com/u?name={{ name | urlencode }})',
      '',
      '<a title="{{ name }}">raw HTML by the author</a>',
    ].join('\n'),
  });

  it('HTML-escapes values in .html output, attributes included', async () => {
    const { html } = await createTemplateRenderer({ dir: await dir })('hostile.html', HOSTILE);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/);
    expect(html).toContain(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s **bold** _em_ `tick`">',
    );
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html?.match(/&lt;script&gt;/g)).toHaveLength(3);
  });

  it('keeps values verbatim in .txt output: no entities, even through the escape filter', async () => {
    const { text } = await createTemplateRenderer({ dir: await dir })('hostile.txt', HOSTILE);
    expect(text).toBe(
      [
        `Name: ${HOSTILE.name}`,
        `Link: ${HOSTILE.link}`,
        `Heading: ${HOSTILE.heading}`,
        `Tag: ${HOSTILE.tag}`,
      ].join('\n'),
    );
    expect(text).not.toMatch(ENTITIES);
  });

  it('keeps values out of marked: no markup from a value in HTML made from Markdown', async () => {
    const { html } = await createTemplateRenderer({ dir: await dir })('hostile.md', HOSTILE);
    expect(html).not.toMatch(/<script|<img|<strong>bold|<em>em|<code>tick/);
    expect(html).not.toMatch(/href="javascript|href="https:\/\/evil|href="http:\/\/www\.evil/);
    expect(html).not.toContain('mailto:');
    expect(html).not.toMatch(/<h1>Not|<li>not a list|<pre>/);
    // The value shows as text, escaped once.
    expect(html).toContain(
      '<h1>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s **bold** _em_ `tick`</h1>',
    );
    expect(html).toContain('# Not a heading\n\n- not a list\n\n    not code');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;, escaped &lt;img src=x');
    // In a code span too, a value reads as written, not double-escaped.
    expect(html).toContain('<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp;');
    // The author's Markdown and raw HTML still work around values.
    expect(html).toContain('<a href="https://example.com/u?name=%3Cscript%3E');
    expect(html).toContain('<a title="&lt;script&gt;alert(&quot;x&quot;)');
  });

  it('keeps values verbatim in the text part of Markdown', async () => {
    const { text } = await createTemplateRenderer({ dir: await dir })('hostile.md', HOSTILE);
    expect(text).toContain(`# Hello ${HOSTILE.name}`);
    expect(text).toContain(HOSTILE.heading);
    expect(text).toContain(`Link: ${HOSTILE.link}`);
    expect(text).toContain(`Visit ${HOSTILE.url} and ${HOSTILE.tag}, escaped ${HOSTILE.tag}.`);
    expect(text).toContain(`<a title="${HOSTILE.name}">`);
    expect(text).not.toMatch(ENTITIES);
  });

  it('keeps entities the author wrote in text output', async () => {
    const author = await templateDir({ 'a.txt': 'Fish &amp; chips, {{ name }}' });
    const { text } = await createTemplateRenderer({ dir: author })('a', { name: 'A & B' });
    expect(text).toBe('Fish &amp; chips, A & B');
  });

  it('lets the author pass trusted markup with | safe', async () => {
    const author = await templateDir({
      'a.md': '{{ note | safe }}',
      'b.html': '{{ note | safe }}',
    });
    const render = createTemplateRenderer({ dir: author });
    expect((await render('a', { note: '**trusted**' })).html).toBe(
      '<p><strong>trusted</strong></p>\n',
    );
    expect((await render('b', { note: '<b>trusted</b>' })).html).toBe('<b>trusted</b>');
  });

  it('keeps values from different renders apart when rendering concurrently', async () => {
    const author = await templateDir({ 'a.md': 'Hi **{{ name }}**' });
    const render = createTemplateRenderer({ dir: author });
    const names = Array.from({ length: 20 }, (_, index) => `user-${index} <${index}>`);
    const results = await Promise.all(names.map((name) => render('a', { name })));
    results.forEach((result, index) => {
      expect(result.html).toBe(`<p>Hi <strong>user-${index} &lt;${index}&gt;</strong></p>\n`);
    });
  });

  describe('a value in Markdown autolink brackets, <{{ value }}>, is text', () => {
    const render = async (value: string, source = 'Reset: <{{ value }}>') => {
      const author = await templateDir({ 'a.md': source });
      return (await createTemplateRenderer({ dir: author })('a', { value })).html;
    };

    it('shows a URL, an address or anything else in its brackets: no link, no tag, no attributes', async () => {
      for (const value of [
        'https://app.example.com/reset?t=abc&u=1',
        'alice@example.com',
        'x onmouseover=alert(document.cookie) style=position:fixed',
        'javascript:alert(1)',
      ]) {
        expect(await render(value)).toBe(`<p>Reset: &lt;${escapeHtml(value)}&gt;</p>\n`);
      }
    });

    it('writes a value in the name of a raw HTML tag as text', async () => {
      const html = await render('img src=x onerror=alert(1)', '<div>\n<{{ value }}>\n</div>');
      expect(html).not.toMatch(/<img/);
      expect(html).toContain('&lt;img src=x onerror=alert(1)');
    });

    it('is text in code, in attributes and inside a link too', async () => {
      const url = 'https://x.example/onmouseover=alert(1)//';
      const text = `&lt;${url}&gt;`;
      expect(
        await render(
          url,
          [
            'Code: `<{{ value }}>`',
            '[Contact](https://a.example "Contact <{{ value }}>") ![<{{ value }}>](https://a.example/p.png)',
            '<span title="a > &lt;{{ value }}&gt;">x</span> [<{{ value }}>](https://a.example)',
          ].join('\n'),
        ),
      ).toBe(
        `<p>Code: <code>${text}</code>\n<a href="https://a.example" title="Contact ${text}">Contact</a> <img src="https://a.example/p.png" alt="${text}">\n<span title="a > ${text}">x</span> <a href="https://a.example">${text}</a></p>\n`,
      );
    });
  });

  describe('escape filters in Markdown', () => {
    const HOSTILE_VALUE = '<img src=x onerror=alert(1)> [c](javascript:alert(1)) **b**';
    const inert = '&lt;img src=x onerror=alert(1)&gt; [c](javascript:alert(1)) **b**';

    it('keeps a value inert through | e, | escape and | forceescape, a | safe after them too', async () => {
      const author = await templateDir({
        'a.md':
          '{{ v | e }} / {{ v | forceescape }} / {{ v | e | safe }} / {{ v | escape | safe }}',
      });
      const { html } = await createTemplateRenderer({ dir: author })('a', { v: HOSTILE_VALUE });
      expect(html).toBe(`<p>${inert} / ${inert} / ${inert} / ${inert}</p>\n`);
    });

    it('puts no entities into text parts or subjects through | forceescape', async () => {
      const author = await templateDir({
        'a.txt': '---\nsubject: Hi {{ v | forceescape }}\n---\nT {{ v | forceescape }}',
      });
      expect(await createTemplateRenderer({ dir: author })('a', { v: 'A & <B>' })).toEqual({
        text: 'T A & <B>',
        subject: 'Hi A & <B>',
      });
    });
  });

  describe('case filters around values in Markdown', () => {
    const render = async (source: string, context: Record<string, unknown>) => {
      const author = await templateDir({ 'a.md': source });
      return createTemplateRenderer({ dir: author })('a', context);
    };

    it('applies {% filter upper %} to the values in the block, in the HTML part too', async () => {
      const rendered = await render('{% filter upper %}Hello {{ name }}{% endfilter %}', {
        name: 'Ada <3',
      });
      expect(rendered).toEqual({ html: '<p>HELLO ADA &lt;3</p>\n', text: 'HELLO ADA <3' });
    });

    it('applies case filters to the values inside a {% set %} capture, as in the text part', async () => {
      const upper = await render(
        '{% set g %}Hello {{ n }}{% endset %}{% filter upper %}{{ g }}{% endfilter %}',
        { n: 'ada' },
      );
      expect(upper).toEqual({ html: '<p>HELLO ADA</p>\n', text: 'HELLO ADA' });
      const lower = await render(
        '{% set g %}Hello {{ n }}{% endset %}{% filter lower %}{{ g }}{% endfilter %}',
        { n: 'ADA' },
      );
      expect(lower).toEqual({ html: '<p>hello ada</p>\n', text: 'hello ada' });
    });

    it('applies title to a word that runs from a value into text as one word', async () => {
      const rendered = await render('{% filter title %}{{ a }}s and {{ b }}{% endfilter %}', {
        a: 'cat',
        b: 'dog',
      });
      expect(rendered).toEqual({ html: '<p>Cats And Dog</p>\n', text: 'Cats And Dog' });
    });

    // A value is taken for a cut placeholder only if it holds the renderer's random first
    // eight characters, by chance once in 36^7 values; nor is another renderer's whole
    // placeholder taken for one of this renderer's.
    it('does not take values shaped like placeholders for cut ones', async () => {
      const author = await templateDir({ 'a.md': 'Reference: {{ ref }} and {{ other }}' });
      const renderRef = createTemplateRenderer({ dir: author });
      const base36 = (length: number) =>
        Array.from({ length }, () => randomInt(36).toString(36)).join('');
      for (let round = 0; round < 1024; round += 1) {
        const ref = `0${base36(7)}`.toUpperCase();
        const other = `0${base36(15)}n0x`;
        expect((await renderRef('a', { ref, other })).html).toBe(
          `<p>Reference: ${ref} and ${other}</p>\n`,
        );
      }
    });

    it("applies title and capitalize to a macro's output, and keeps it Markdown", async () => {
      const rendered = await render(
        [
          '{% macro greet(n) %}**hi {{ n }}** there{% endmacro %}',
          '{{ greet(name) | title }} / {{ greet(name) | capitalize }} / {{ greet(name) | lower }}',
        ].join('\n'),
        { name: 'ada LOVELACE' },
      );
      expect(rendered.html).toBe(
        '<p><strong>hi Ada Lovelace</strong> There / <strong>hi ada lovelace</strong> there / **hi ada lovelace** there</p>\n',
      );
    });

    it('keeps a macro through trim as Markdown, values inert', async () => {
      const rendered = await render(
        [
          '{% macro m(n) %}**x** <b>{{ n }}</b>{% endmacro %}',
          '{{ m(v) | trim }} / {{ m(v) | trim | safe }}',
        ].join('\n'),
        { v: '<img src=x onerror=alert(1)>' },
      );
      const value = '&lt;img src=x onerror=alert(1)&gt;';
      expect(rendered.html).toBe(
        `<p><strong>x</strong> <b>${value}</b> / <strong>x</strong> <b>${value}</b></p>\n`,
      );
    });

    it('gives a filter over a block the text with its values in, as the text part', async () => {
      const rendered = await render(
        '{% filter truncate(16, true) %}Hello {{ name }}, welcome{% endfilter %}',
        { name: 'Ada' },
      );
      expect(rendered).toEqual({
        html: '<p>Hello Ada, welco...</p>\n',
        text: 'Hello Ada, welco...',
      });
    });

    // The HTML part reads as the text part does, whatever random letters a placeholder has.
    it('gives filters that read text the values of captures, macros and | e', async () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        [
          '{% set p %}{{ user }} said: {{ said }}{% endset %}{{ p | truncate(30) }}',
          { user: 'Ada', said: 'This is a long comment about it' },
          'Ada said: This is a long...',
        ],
        [
          '{% set c %}Welcome {{ n }}{% endset %}{{ c | replace("e", "E") }}',
          { n: 'Jee' },
          'WElcomE JEE',
        ],
        [
          '{% set c %}Hi {{ v }}{% endset %}{{ c | replace("Hi", "Hello") }}',
          { v: 'Hi' },
          'Hello Hello',
        ],
        [
          '{% set c %}{{ v }}{% endset %}{{ c | wordcount }} / {{ c | length }}',
          { v: 'a b c' },
          '3 / 5',
        ],
        ['{% set c %}Hi {{ v }}{% endset %}{{ c | striptags }}', { v: '<i>x</i>' }, 'Hi x'],
        ['{{ v | e | truncate(12) }}', { v: 'Alexander the Great' }, 'Alexander...'],
        ['{{ v | e | first }}{{ v | e | length }}', { v: 'Ada' }, 'A3'],
        ['{{ [b | e, a | e] | sort | join(" ") }}', { a: 'ant', b: 'bee' }, 'ant bee'],
      ];
      for (const [source, context, words] of cases) {
        for (let renderer = 0; renderer < 8; renderer += 1) {
          expect(await render(source, context)).toEqual({ html: `<p>${words}</p>\n`, text: words });
        }
      }
    });

    it('keeps the values in a list a filter returns inert, a | safe after them too', async () => {
      const sources = [
        '{{ [v | e] | sort | join("<br>") | safe }}',
        '{{ v | e | list | join | safe }}',
        '{% set x %}{{ v }}{% endset %}{% for ch in x | list %}{{ ch | safe }}{% endfor %}',
        '{% macro m() %}{{ caller() | list | join | safe }}{% endmacro %}{% call m() %}{{ v }}{% endcall %}',
        '{% set s = [v | e, "z"] | reverse %}{{ s[1] | safe }}',
        '{% for row in [v | e] | batch(1) %}{{ row[0] | safe }}{% endfor %}',
      ];
      for (const source of sources) {
        expect((await render(source, { v: '<img src=x onerror=alert(1)>' })).html).toBe(
          '<p>&lt;img src=x onerror=alert(1)&gt;</p>\n',
        );
      }
    });

    it("writes what replace puts in and truncate's ending into markup as values", async () => {
      const value = '[x](javascript:alert(1)) <img src=x onerror=alert(1)>';
      const inert = '[x](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;';
      const sources: Array<[string, string]> = [
        [
          '{% macro m(v) %}Hello {{ v }}{% endmacro %}{{ m(who) | truncate(3, true, v) }}',
          `Hel${inert}`,
        ],
        ['{% macro m() %}Hi NAME{% endmacro %}{{ m() | replace("NAME", v) }}', `Hi ${inert}`],
        [
          '{% macro box() %}{{ caller() | replace("NAME", v) }}{% endmacro %}{% call box() %}Hi **{{ who }}** NAME{% endcall %}',
          `Hi <strong>Ada</strong> ${inert}`,
        ],
      ];
      for (const [source, html] of sources) {
        expect((await render(source, { v: value, who: 'Ada' })).html).toBe(`<p>${html}</p>\n`);
        // A list or an object is put in as its text: a value too.
        expect((await render(source, { v: [value], who: 'Ada' })).html).toBe(`<p>${html}</p>\n`);
      }
      // Whitespace is put in as it is: here a Markdown line break.
      const broken = await render(
        '{% macro lines() %}{{ caller() | replace("\n", "  \n") }}{% endmacro %}{% call lines() %}one {{ who }}\ntwo{% endcall %}',
        { who: 'Ada' },
      );
      expect(broken.html).toBe('<p>one Ada<br>two</p>\n');
    });

    it('puts even plain letters in as a value, which the author may mark safe', async () => {
      const rendered = await render(
        [
          '{% macro m() %}Reset: <{url}> or [{ref}]\n\n[boss]: https://x.example/{% endmacro %}',
          '{{ m() | replace("{url}", url) | replace("{ref}", ref) }}',
          '\n\n{% macro body() %}Hello **{name}**, order {id}.{% endmacro %}',
          '{{ body() | replace("{name}", "Ada" | safe) | replace("{id}", 42) | truncate(60) }}',
        ].join(''),
        { url: 'textarea', ref: 'boss' },
      );
      expect(rendered.html).toBe(
        '<p>Reset: &lt;textarea&gt; or [boss]</p>\n<p>Hello <strong>Ada</strong>, order 42.</p>\n',
      );
    });

    it("keeps the author's markup in a macro through replace and truncate", async () => {
      const rendered = await render(
        [
          '{% macro go(u) %}<a href="{{ u }}">Go</a>{% endmacro %}',
          '{% macro link(u) %}[Go]({{ u }}){% endmacro %}',
          '{{ go(url) | replace("Go", "Click") }} {{ link(url) | truncate(100) }}',
        ].join(''),
        { url: 'https://x.example/?a=1&b=2' },
      );
      const href = 'https://x.example/?a=1&amp;b=2';
      expect(rendered.html).toBe(`<p><a href="${href}">Click</a> <a href="${href}">Go</a></p>\n`);
    });

    it('URL-encodes the values of a capture or an escaped value through | urlencode', async () => {
      const rendered = await render(
        [
          '{% set q %}{{ first }} {{ last }}{% endset %}',
          '[a](https://x.example/?name={{ q | urlencode }}) [b](https://x.example/?q={{ last | e | urlencode }})',
        ].join(''),
        { first: 'Ada', last: 'L&role=admin#top' },
      );
      const encoded = 'L%26role%3Dadmin%23top';
      expect(rendered.html).toBe(
        `<p><a href="https://x.example/?name=Ada%20${encoded}">a</a> <a href="https://x.example/?q=${encoded}">b</a></p>\n`,
      );
    });

    it('breaks the lines of values through nl2br, values inert', async () => {
      const rendered = await render('{{ v | e | nl2br }}', { v: '<b>one</b>\ntwo' });
      expect(rendered.html).toBe('<p>&lt;b&gt;one&lt;/b&gt;<br />\ntwo</p>\n');
    });

    it('writes numbers as they are, so that they can number a list', async () => {
      const rendered = await render(
        '{% for item in items %}\n{{ loop.index }}. {{ item }}\n{% endfor %}',
        { items: ['a', '**b**'] },
      );
      expect(rendered.html).toBe('<ol>\n<li>a</li>\n<li>**b**</li>\n</ol>\n');
    });

    it('refuses a string method that cuts values apart, instead of sending what is left', async () => {
      const error = await renderError(
        render('{% set x %}Hello {{ name }}{% endset %}{{ x.slice(0, 14) }}', { name: 'Ada' }),
      );
      expect(error.code).toBe('TEMPLATE_RENDER');
      expect(error.message).toContain('use the filter of the same purpose');
    });
  });

  it('writes values captured with {% set %} once escaped', async () => {
    const author = await templateDir({
      'a.md': '{% set greeting %}Hi {{ name }}{% endset %}{{ greeting }}',
    });
    const { html } = await createTemplateRenderer({ dir: author })('a', { name: '<b>' });
    expect(html).toBe('<p>Hi &lt;b&gt;</p>\n');
  });
});

describe('dedent', () => {
  it('dedents Markdown written inside an indented block, in both parts', async () => {
    const dir = await templateDir({
      'base.md': '{% block body %}{% endblock %}',
      'a.md': [
        '{% extends "base.md" %}',
        '{% block body %}',
        '    # Title',
        '',
        '    Some **text**.',
        '',
        '        indented code, four deeper',
        '{% endblock %}',
      ].join('\n'),
      'b.md': '{% if show %}\n  Paragraph in an if.\n\n  - item\n{% endif %}\n',
    });
    const render = createTemplateRenderer({ dir });
    const a = await render('a', {});
    expect(a.html).toBe(
      '<h1>Title</h1>\n<p>Some <strong>text</strong>.</p>\n<pre><code>indented code, four deeper\n</code></pre>\n',
    );
    expect(a.text).toBe('# Title\n\nSome **text**.\n\n    indented code, four deeper');
    const b = await render('b', { show: true });
    expect(b.html).toBe('<p>Paragraph in an if.</p>\n<ul>\n<li>item</li>\n</ul>\n');
    expect(b.text).toBe('Paragraph in an if.\n\n- item');
  });
});

describe('render errors', () => {
  it('names the template and line of a runtime error', async () => {
    const dir = await templateDir({
      'a.txt': 'line 1\n{% if true %}\n  {{ missing() }}\n{% endif %}',
    });
    const error = await renderError(createTemplateRenderer({ dir })('a', {}));
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toMatch(/^template "a\.txt" failed to render at line 3, column \d+: /);
    expect(error.message).toContain('Unable to call `missing`');
    expect(error.details).toMatchObject({ template: 'a.txt', line: 3 });
  });

  it('names the template and line of a syntax error', async () => {
    const dir = await templateDir({ 'a.html': '---\nsubject: S\n---\n<p>\n{% iff x %}\n' });
    const error = await renderError(createTemplateRenderer({ dir })('a', {}));
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toContain('template "a.html" failed to render at line 5');
    expect(error.message).toContain('unknown block tag: iff');
  });

  it('blames the layout, not the child, for an error in the layout', async () => {
    const dir = await templateDir({
      'layout.html': '<body>\n{% block content %}{% endblock %}\n{{ broken() }}\n</body>',
      'child.html': '{% extends "layout.html" %}\n{% block content %}<p>ok</p>{% endblock %}',
    });
    const error = await renderError(createTemplateRenderer({ dir })('child', {}));
    expect(error.message).toContain('template "layout.html" failed to render at line 3');
    expect(error.details).toMatchObject({ template: 'layout.html', line: 3 });
  });

  it('blames the child for an error in its block', async () => {
    const dir = await templateDir({
      'layout.html': '<body>\n{% block content %}{% endblock %}\n</body>',
      'child.html':
        '{% extends "layout.html" %}\n{% block content %}\n{{ broken() }}{% endblock %}',
    });
    const error = await renderError(createTemplateRenderer({ dir })('child', {}));
    expect(error.details).toMatchObject({ template: 'child.html', line: 3 });
  });

  it('blames an included template, and the includer after the include', async () => {
    const dir = await templateDir({
      'partial.txt': 'partial\n\n{{ inPartial() }}',
      'a.txt': 'top\n{% include "partial.txt" %}\nafter {{ afterInclude() }}',
    });
    const render = createTemplateRenderer({ dir });
    const inPartial = await renderError(render('a', { afterInclude: () => 'x' }));
    expect(inPartial.details).toMatchObject({ template: 'partial.txt', line: 3 });
    const after = await renderError(render('a', { inPartial: () => 'x' }));
    expect(after.details).toMatchObject({ template: 'a.txt', line: 3 });
  });

  it('locates an error in the subject at its front matter line', async () => {
    const dir = await templateDir({ 'a.txt': '---\n\nsubject: Hi {{ nope() }}\n---\nbody' });
    const error = await renderError(createTemplateRenderer({ dir })('a', {}));
    expect(error.details).toMatchObject({ template: 'a.txt', line: 3 });
  });

  it('names a missing included template and the line including it', async () => {
    const dir = await templateDir({ 'a.md': 'x\n\n{% include "partials/gone.md" %}\n' });
    const error = await renderError(createTemplateRenderer({ dir })('a', {}));
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.message).toBe(
      `template "partials/gone.md" not found in ${dir} (referenced by "a.md" at line 3)`,
    );
  });

  it('reports a context function that throws as a render error with its cause', async () => {
    const dir = await templateDir({ 'a.txt': '{{ explode() }}' });
    const cause = new Error('boom');
    const error = await renderError(
      createTemplateRenderer({ dir })('a', {
        explode: () => {
          throw cause;
        },
      }),
    );
    expect(error.message).toContain('boom');
    expect(error.cause).toBe(cause);
  });
});

describe('cache', () => {
  it('re-uses compiled templates without reading the files again (cache on by default)', async () => {
    const dir = await templateDir({
      'a.md': '---\nsubject: Version 1\n---\nVersion **1** for {{ name }}',
      'b.html': '{% extends "layout.html" %}{% block content %}B1{% endblock %}',
      'layout.html': 'L1 {% block content %}{% endblock %}',
    });
    const render = createTemplateRenderer({ dir });
    const first = await render('a', { name: 'Ada' });
    expect(await render('b', {})).toEqual({ html: 'L1 B1' });
    await writeFile(
      join(dir, 'a.md'),
      '---\nsubject: Version 2\n---\nVersion **2** for {{ name }}',
    );
    await writeFile(join(dir, 'layout.html'), 'L2 {% block content %}{% endblock %}');
    await writeFile(join(dir, 'a.txt'), 'a new sibling');
    const second = await render('a', { name: 'Bob' });
    expect(second).toEqual({
      subject: 'Version 1',
      text: 'Version **1** for Bob',
      html: '<p>Version <strong>1</strong> for Bob</p>\n',
    });
    expect(first.subject).toBe('Version 1');
    expect(await render('b', {})).toEqual({ html: 'L1 B1' });
  });

  it('picks up edits on every render with cache: false (development)', async () => {
    const dir = await templateDir({
      'a.md': '---\nsubject: Version 1\n---\nVersion 1',
      'b.html': '{% extends "layout.html" %}{% block content %}B{% endblock %}',
      'layout.html': 'L1 {% block content %}{% endblock %}',
    });
    const render = createTemplateRenderer({ dir, cache: false });
    expect((await render('a', {})).subject).toBe('Version 1');
    expect(await render('b', {})).toEqual({ html: 'L1 B' });
    await writeFile(join(dir, 'a.md'), '---\nsubject: Version 2\n---\nVersion 2');
    await writeFile(join(dir, 'layout.html'), 'L2 {% block content %}{% endblock %}');
    await writeFile(join(dir, 'a.txt'), 'a new sibling');
    expect(await render('a', {})).toEqual({
      subject: 'Version 2',
      text: 'a new sibling',
      html: '<p>Version 2</p>\n',
    });
    expect(await render('b', {})).toEqual({ html: 'L2 B' });
  });
});

describe('options', () => {
  it.each([
    ['a missing directory', { dir: '/nonexistent/mailroom/emails' }, 'templates.dir'],
    ['an empty dir', { dir: '' }, 'templates.dir'],
    ['a non-boolean cache', { dir: '.', cache: 'yes' }, 'templates.cache'],
    ['an unknown key', { dir: '.', watch: true }, 'templates.watch'],
  ])('refuses %s with CONFIG_INVALID', (_label, options, key) => {
    expect(() => createTemplateRenderer(options as never)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: expect.objectContaining({ key }),
      }),
    );
  });
});
