import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { smtpBackend } from '@mailroom/backend-smtp';
import { createMailer, type Mailer } from '@mailroom/core';
import { type SmtpSink, startSmtpSink } from '@mailroom/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Templates as a team would keep them: one HTML layout shared by a Markdown and an HTML
// email, a text+HTML pair, and a Markdown base with an indented block.
const TEMPLATES: Record<string, string> = {
  'layout.html': [
    '<!doctype html>',
    '<html><head><title>{{ app }}</title></head>',
    '<body>',
    '{% block content %}{% endblock %}',
    '<footer>{{ app }} · {{ footerNote }}</footer>',
    '</body></html>',
  ].join('\n'),
  'welcome.md': [
    '---',
    'subject: Welcome to {{ app }}, {{ name }}!',
    'layout: layout.html',
    '---',
    '{% extends "base.md" %}',
    '{% block body %}',
    '    # Hello {{ name }}',
    '',
    '    Thanks for joining **{{ app }}**. Your code is `{{ code }}`.',
    '{% endblock %}',
  ].join('\n'),
  'base.md': '{% block body %}{% endblock %}\n\n---\nSent by {{ app }}\n',
  'invoice.html': [
    '---',
    'subject: Invoice {{ number }} for {{ name }}',
    '---',
    '{% extends "layout.html" %}',
    '{% block content %}',
    '<h1>Invoice {{ number }}</h1>',
    '<p>Dear {{ name }}, you owe <b>{{ total }}</b>.</p>',
    '{% endblock %}',
  ].join('\n'),
  'reset.txt':
    '---\nsubject: Reset your password, {{ name }}\n---\nHi {{ name }},\n\nUse {{ code }}.\n',
  'reset.html': '<p>Hi {{ name }}, use <code>{{ code }}</code>.</p>',
};

const HOSTILE_NAME = `<script>alert('x')</script> Tom & "Jerry" **bold** [x](javascript:alert(1))`;
const ENTITIES = /&(?:amp|lt|gt|quot|#39|#x27|#\d+);/;

let root: string;
let sink: SmtpSink;
let mailer: Mailer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mailroom-smtp-templates-'));
  for (const [name, content] of Object.entries(TEMPLATES)) {
    await mkdir(dirname(join(root, 'emails', name)), { recursive: true });
    await writeFile(join(root, 'emails', name), content);
  }
  // Plain SMTP: this suite is about the message parts, not the transport.
  sink = await startSmtpSink({ disableStartTls: true });
  mailer = createMailer({
    from: 'Acme <noreply@example.com>',
    backend: smtpBackend({ host: sink.host, port: sink.port, pool: false }),
    queue: false,
    templates: { dir: join(root, 'emails') },
  });
});

afterAll(async () => {
  await mailer?.close();
  await sink?.close();
  await rm(root, { recursive: true, force: true });
});

async function deliver(template: string, context: Record<string, unknown>) {
  const before = sink.messages.length;
  const result = await mailer.send({ to: 'Ada <ada@example.com>', template, context });
  expect(result.ok).toBe(true);
  const [received] = (await sink.waitFor(before + 1)).slice(before);
  if (received === undefined) throw new Error('no message received');
  return received;
}

describe('templated emails through SMTP, read back with mailparser', () => {
  it('delivers a Markdown email in the shared layout, with hostile values inert', async () => {
    const { parsed, raw } = await deliver('welcome', {
      app: 'Acme & Co',
      name: HOSTILE_NAME,
      code: '<A-1>',
      footerNote: 'You signed up',
    });
    expect(parsed.subject).toBe(`Welcome to Acme & Co, ${HOSTILE_NAME}!`);
    expect(raw.toString()).toMatch(/Content-Type: multipart\/alternative/i);
    const html = String(parsed.html);
    expect(html).toContain('<title>Acme &amp; Co</title>');
    expect(html).toContain(
      '<h1>Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Tom &amp; &quot;Jerry&quot; **bold** [x](javascript:alert(1))</h1>',
    );
    expect(html).toContain('<strong>Acme &amp; Co</strong>');
    expect(html).toContain('<code>&lt;A-1&gt;</code>');
    expect(html).toContain('<footer>Acme &amp; Co · You signed up</footer>');
    expect(html).not.toMatch(/<script|href="javascript|<strong>bold|<pre>/);
    expect(parsed.text?.trim()).toBe(
      [
        `# Hello ${HOSTILE_NAME}`,
        '',
        'Thanks for joining **Acme & Co**. Your code is `<A-1>`.',
        '',
        '---',
        'Sent by Acme & Co',
      ].join('\n'),
    );
    expect(parsed.text).not.toMatch(ENTITIES);
  });

  it('delivers an HTML email in the same layout with a generated text part', async () => {
    const { parsed } = await deliver('invoice', {
      app: 'Acme',
      name: HOSTILE_NAME,
      number: 'INV-42',
      total: '€ 12.50 <net>',
      footerNote: 'Thank you',
    });
    expect(parsed.subject).toBe(`Invoice INV-42 for ${HOSTILE_NAME}`);
    const html = String(parsed.html);
    expect(html).toContain('<title>Acme</title>');
    expect(html).toContain('<h1>Invoice INV-42</h1>');
    expect(html).toContain('you owe <b>€ 12.50 &lt;net&gt;</b>');
    expect(html).not.toContain('<script');
    // The generated text part is word-wrapped; compare it with whitespace folded.
    const text = parsed.text?.replace(/\s+/g, ' ');
    expect(text).toContain('INVOICE INV-42');
    expect(text).toContain(`Dear ${HOSTILE_NAME}, you owe € 12.50 <net>.`);
    expect(text).toContain('Acme · Thank you');
    expect(parsed.text).not.toMatch(ENTITIES);
  });

  it('delivers the text and HTML siblings of a name without extension', async () => {
    const { parsed } = await deliver('reset', { name: "O'Neil & Sons", code: '<1234>' });
    expect(parsed.subject).toBe("Reset your password, O'Neil & Sons");
    expect(parsed.text?.trim()).toBe("Hi O'Neil & Sons,\n\nUse <1234>.");
    expect(String(parsed.html)).toBe(
      '<p>Hi O&#39;Neil &amp; Sons, use <code>&lt;1234&gt;</code>.</p>',
    );
  });

  it('delivers nothing when a template fails, and reports it with failSilently', async () => {
    const before = sink.dataAttempts;
    const result = await mailer.send({
      to: 'ada@example.com',
      template: 'missing',
      failSilently: true,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'TEMPLATE_NOT_FOUND' } });
    expect(sink.dataAttempts).toBe(before);
  });
});
