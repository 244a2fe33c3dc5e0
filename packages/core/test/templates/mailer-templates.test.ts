import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  createMailer,
  type MailerConfig,
  mailerConfigFromEnv,
  TemplateError,
} from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { describe, expect, it } from 'vitest';
import { templateDir } from './template-dir.js';

const files = {
  'welcome.md': '---\nsubject: Welcome, {{ name }}!\n---\n# Hi {{ name }}\n\nThanks for joining.\n',
  'invoice.html':
    '---\nsubject: Invoice {{ number }}\n---\n<h1>Invoice {{ number }}</h1><p>Dear {{ name }}, you owe {{ total }}.</p>',
  'plain.txt': 'Just text for {{ name }}.',
  'nosubject.txt': 'No subject here.',
  'broken.txt': 'line 1\n{{ broken() }}',
  'subject-only.txt': '---\nsubject: {{ subject }}\n---\nBody',
};

async function mailerWith(extra: Partial<MailerConfig> = {}) {
  const dir = await templateDir(files);
  const backend = testBackend();
  const mailer = createMailer({
    from: 'App <noreply@example.com>',
    backend,
    queue: false,
    templates: { dir },
    ...extra,
  });
  return { dir, backend, mailer };
}

describe('sending with templates', () => {
  it('renders a Markdown template into subject, text and HTML', async () => {
    const { backend, mailer } = await mailerWith();
    const result = await mailer.send({
      to: 'ada@example.com',
      template: 'welcome',
      context: { name: 'Ada & <Co>' },
    });
    expect(result.ok).toBe(true);
    const [message] = backend.sent;
    expect(message?.subject).toBe('Welcome, Ada & <Co>!');
    expect(message?.text).toBe('# Hi Ada & <Co>\n\nThanks for joining.');
    expect(message?.html).toBe('<h1>Hi Ada &amp; &lt;Co&gt;</h1>\n<p>Thanks for joining.</p>\n');
  });

  it('generates a readable text part for an HTML template, without entities', async () => {
    const { backend, mailer } = await mailerWith();
    await mailer.send({
      to: 'ada@example.com',
      template: 'invoice',
      context: { number: 'INV-1', name: "O'Neil & Sons", total: '<$5>' },
    });
    const [message] = backend.sent;
    expect(message?.subject).toBe('Invoice INV-1');
    expect(message?.html).toContain('Dear O&#39;Neil &amp; Sons, you owe &lt;$5&gt;.');
    expect(message?.text).toContain("Dear O'Neil & Sons, you owe <$5>.");
    expect(message?.text).not.toMatch(/&(?:amp|lt|gt|#39);/);
  });

  it('lets an explicit subject win over the template subject', async () => {
    const { backend, mailer } = await mailerWith();
    await mailer.send({ to: 'a@example.com', subject: 'Mine', template: 'welcome', context: {} });
    expect(backend.sent[0]?.subject).toBe('Mine');
  });

  it('lets explicit text and html win over the template parts, part by part', async () => {
    const { backend, mailer } = await mailerWith();
    await mailer.send({ to: 'a@example.com', text: 'My text', template: 'welcome', context: {} });
    await mailer.send({ to: 'a@example.com', html: '<p>My <b>HTML</b></p>', template: 'welcome' });
    const [withText, withHtml] = backend.sent;
    expect(withText?.text).toBe('My text');
    expect(withText?.html).toContain('<h1>Hi</h1>');
    expect(withHtml?.html).toBe('<p>My <b>HTML</b></p>');
    expect(withHtml?.text).toBe('My HTML');
  });

  it('requires a subject when neither the call nor the template gives one', async () => {
    const { backend, mailer } = await mailerWith();
    await expect(
      mailer.send({ to: 'a@example.com', template: 'nosubject.txt' }),
    ).rejects.toMatchObject({ code: 'MISSING_SUBJECT' });
    await mailer.send({ to: 'b@example.com', template: 'plain', subject: 'Given' });
    expect(backend.sent).toHaveLength(1);
    expect(backend.sent[0]).toMatchObject({ subject: 'Given', text: 'Just text for .' });
  });

  it('refuses a rendered subject with a line break as header injection', async () => {
    const { backend, mailer } = await mailerWith();
    await expect(
      mailer.send({
        to: 'a@example.com',
        template: 'subject-only',
        context: { subject: 'Hello\r\nBcc: victim@example.com' },
      }),
    ).rejects.toMatchObject({ code: 'HEADER_INJECTION' });
    expect(backend.sent).toHaveLength(0);
  });

  it.each([
    ['TEMPLATE_NOT_FOUND', 'missing'],
    ['TEMPLATE_INVALID_NAME', '../etc/passwd'],
    ['TEMPLATE_RENDER', 'broken'],
    ['TEMPLATE_INVALID_NAME', 'x'.repeat(300)],
  ])(
    'returns { ok: false } with %s under failSilently, sending nothing',
    async (code, template) => {
      const { backend, mailer } = await mailerWith();
      const result = await mailer.send({
        to: 'a@example.com',
        subject: 'S',
        template,
        failSilently: true,
      });
      expect(result.ok).toBe(false);
      expect(result).toMatchObject({ status: 'failed', error: { code } });
      expect(result.ok === false && result.error).toBeInstanceOf(TemplateError);
      expect(backend.sent).toHaveLength(0);
    },
  );

  it('throws the template error without failSilently', async () => {
    const { mailer } = await mailerWith();
    const error = await mailer
      .send({ to: 'a@example.com', subject: 'S', template: 'broken' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({
      code: 'TEMPLATE_RENDER',
      details: { template: 'broken.txt', line: 2 },
    });
  });

  it('follows the mailer-wide failSilently setting', async () => {
    const { mailer } = await mailerWith({ failSilently: true });
    const result = await mailer.send({ to: 'a@example.com', subject: 'S', template: 'missing' });
    expect(result).toMatchObject({ ok: false, error: { code: 'TEMPLATE_NOT_FOUND' } });
  });

  it('shares one renderer per mailer: compiled templates are reused across sends', async () => {
    const { dir, backend, mailer } = await mailerWith();
    await mailer.send({
      to: 'a@example.com',
      subject: 'S',
      template: 'plain',
      context: { name: 'A' },
    });
    await writeFile(join(dir, 'plain.txt'), 'Changed on disk');
    await mailer.send({
      to: 'a@example.com',
      subject: 'S',
      template: 'plain',
      context: { name: 'B' },
    });
    expect(backend.sent.map((message) => message.text)).toEqual([
      'Just text for A.',
      'Just text for B.',
    ]);
  });

  it('picks up edits with templates.cache: false', async () => {
    const dir = await templateDir(files);
    const backend = testBackend();
    const mailer = createMailer({
      from: 'a@example.com',
      backend,
      queue: false,
      templates: { dir, cache: false },
    });
    await mailer.send({ to: 'b@example.com', subject: 'S', template: 'plain', context: {} });
    await writeFile(join(dir, 'plain.txt'), 'Changed on disk');
    await mailer.send({ to: 'b@example.com', subject: 'S', template: 'plain', context: {} });
    expect(backend.sent.map((message) => message.text)).toEqual([
      'Just text for .',
      'Changed on disk',
    ]);
  });
});

describe('templates configuration', () => {
  it.each([
    ['templates not an object', 'emails', 'templates'],
    ['a missing dir', {}, 'templates.dir'],
    ['an empty dir', { dir: '  ' }, 'templates.dir'],
    ['a dir that does not exist', { dir: '/nonexistent/mailroom-emails' }, 'templates.dir'],
    ['a dir that is a file', { dir: 'FILE' }, 'templates.dir'],
    ['cache not a boolean', { dir: 'DIR', cache: 1 }, 'templates.cache'],
    ['an unknown key', { dir: 'DIR', directory: 'x' }, 'templates.directory'],
  ])('refuses %s with CONFIG_INVALID naming the key', async (_label, templates, key) => {
    const dir = await templateDir(files);
    const value =
      typeof templates === 'object'
        ? Object.fromEntries(
            Object.entries(templates).map(([name, option]) => [
              name,
              option === 'DIR' ? dir : option === 'FILE' ? join(dir, 'plain.txt') : option,
            ]),
          )
        : templates;
    let error: unknown;
    try {
      createMailer({ backend: testBackend(), templates: value } as unknown as MailerConfig);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { key } });
    expect((error as Error).message).toContain(key);
  });

  it('raises TEMPLATE_NOT_FOUND when no template directory is configured', async () => {
    const mailer = createMailer({ from: 'a@example.com', backend: testBackend(), queue: false });
    await expect(
      mailer.send({ to: 'b@example.com', subject: 'S', template: 'welcome' }),
    ).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
  });

  it('reads the template directory from MAIL_TEMPLATES_DIR', async () => {
    const dir = await templateDir(files);
    const config = await mailerConfigFromEnv({ MAIL_TEMPLATES_DIR: dir, MAIL_QUEUE: 'none' });
    expect(config.templates).toEqual({ dir });
    const backend = testBackend();
    const mailer = createMailer({ ...config, backend, from: 'a@example.com' });
    await mailer.send({ to: 'b@example.com', template: 'welcome', context: { name: 'Env' } });
    expect(backend.sent[0]?.subject).toBe('Welcome, Env!');
    expect((await mailerConfigFromEnv({ MAIL_QUEUE: 'none' })).templates).toBeUndefined();
  });
});
