import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, createMailer, type MailerConfig, mailerConfigFromEnv } from '@mailroom/core';
import { testBackend } from '@mailroom/core/testing';
import { describe, expect, it } from 'vitest';

function configError(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('createMailer configuration', () => {
  it.each([
    ['unknown key', { backend: testBackend(), tempaltes: {} }, 'tempaltes'],
    ['missing backend', {}, 'backend'],
    ['backend without send', { backend: { name: 'x' } }, 'backend'],
    ['invalid from', { backend: testBackend(), from: 'not an address' }, 'from'],
    [
      'from with injection',
      { backend: testBackend(), from: 'a@example.com\r\nBcc: x@y.com' },
      'from',
    ],
    ['queue of the wrong kind', { backend: testBackend(), queue: 'redis' }, 'queue'],
    ['failSilently not boolean', { backend: testBackend(), failSilently: 'yes' }, 'failSilently'],
    ['attachments not an object', { backend: testBackend(), attachments: 5 }, 'attachments'],
    [
      'negative maxBytes',
      { backend: testBackend(), attachments: { maxBytes: -1 } },
      'attachments.maxBytes',
    ],
    [
      'unknown attachment key',
      { backend: testBackend(), attachments: { maxSize: 1 } },
      'attachments.maxSize',
    ],
    [
      'allowedDirs not strings',
      { backend: testBackend(), attachments: { allowedDirs: [1] } },
      'attachments.allowedDirs',
    ],
  ])('fails at creation on %s, naming the key', (_name, config, key) => {
    const error = configError(() => createMailer(config as unknown as MailerConfig));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.key).toBe(key);
    expect(error.message).toContain(key);
  });

  it.each([
    ['not an array of emails', 'x', undefined, 'inputs'],
    ['options of null', [], null, 'options'],
    ['an unknown option', [], { concurency: 1 }, 'concurency'],
    ['a concurrency of 0', [], { concurrency: 0 }, 'concurrency'],
  ])(
    'sendMany refuses %s with INVALID_INPUT naming the field',
    async (_name, inputs, options, field) => {
      const mailer = createMailer({ from: 'a@example.com', backend: testBackend(), queue: false });
      await expect(mailer.sendMany(inputs as never, options as never)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        details: { field },
      });
      await mailer.close();
    },
  );

  it('raises MISSING_SENDER at send time when no sender is configured or given', async () => {
    const backend = testBackend();
    const mailer = createMailer({ backend });
    await expect(
      mailer.send({ to: 'a@example.com', subject: 's', text: 't' }),
    ).rejects.toMatchObject({
      code: 'MISSING_SENDER',
    });
    await expect(
      mailer.send({ from: 'me@example.com', to: 'a@example.com', subject: 's', text: 't' }),
    ).resolves.toMatchObject({ ok: true });
    expect(backend.sent).toHaveLength(1);
  });

  it('applies failSilently from the configuration unless the call overrides it', async () => {
    const mailer = createMailer({
      backend: testBackend(),
      from: 'a@example.com',
      failSilently: true,
    });
    const result = await mailer.send({ to: 'bad', subject: 's', text: 't' });
    expect(result).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'INVALID_ADDRESS' },
    });
    await expect(
      mailer.send({ to: 'bad', subject: 's', text: 't', failSilently: false }),
    ).rejects.toMatchObject({
      code: 'INVALID_ADDRESS',
    });
  });
});

describe('configuration from environment variables', () => {
  it('checks the queue variables of process.env at once, in auto mode too', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'localhost:6379';
    try {
      await expect(mailerConfigFromEnv()).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        details: { key: 'REDIS_URL' },
      });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('refuses a bad MAIL_TEMPLATES_DIR before opening a queue connection', async () => {
    const script = [
      "import { mailerConfigFromEnv } from '@mailroom/core';",
      "const env = { REDIS_URL: 'redis://127.0.0.1:6379', MAIL_TEMPLATES_DIR: '/nonexistent/x' };",
      'await mailerConfigFromEnv(env).catch((error) => console.log(error.details.key));',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../queue-bullmq', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    // Exits by itself: no connection left open.
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve('still running after 5 s');
      }, 5_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'MAIL_TEMPLATES_DIR' });
  }, 15_000);

  it('defaults to the console backend', async () => {
    const config = await mailerConfigFromEnv({});
    expect(config.backend.name).toBe('console');
    expect(config.from).toBeUndefined();
  });

  it('builds an SMTP backend from SMTP_URL and a sender from MAIL_FROM', async () => {
    const config = await mailerConfigFromEnv({
      MAIL_BACKEND: 'smtp',
      SMTP_URL: 'smtps://user:p%40ss@smtp.example.com',
      MAIL_FROM: 'App <app@example.com>',
    });
    expect(config.backend.name).toBe('smtp');
    expect(config.from).toBe('App <app@example.com>');
    await config.backend.close?.();
  });

  it.each([
    [{ MAIL_BACKEND: 'sendgrid' }, 'MAIL_BACKEND'],
    [{ MAIL_BACKEND: 'smtp' }, 'SMTP_URL'],
    [{ MAIL_BACKEND: 'smtp', SMTP_URL: 'http://smtp.example.com' }, 'url'],
    [{ MAIL_BACKEND: 'smtp', SMTP_URL: 'smtp://h.example.com?foo=1' }, 'url?foo'],
    [{ MAIL_QUEUE: 'rabbit' }, 'MAIL_QUEUE'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ MAIL_TEMPLATES_DIR: '/nonexistent/mailroom-templates' }, 'MAIL_TEMPLATES_DIR'],
    [{ MAIL_TEMPLATES_DIR: '/etc/hostname' }, 'MAIL_TEMPLATES_DIR'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
  ])('rejects %o naming %s', async (env, key) => {
    await expect(mailerConfigFromEnv(env)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { key },
    });
  });
});
