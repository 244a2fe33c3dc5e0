// Mailroom quick start: one email through the Console backend, which prints what
// would be sent instead of sending it. No SMTP server, Redis or database needed.
import { consoleBackend } from '@mailroom/backend-console';
import { configureMail, sendEmail } from '@mailroom/core';

configureMail({
  from: 'Mailroom Demo <demo@example.com>',
  backend: consoleBackend(),
  queue: false,
});

const result = await sendEmail({
  to: ['Alice Example <alice@example.com>', 'bob@example.com'],
  bcc: 'audit@example.com',
  subject: 'Welcome to Mailroom ✉️',
  markdown: '# Hello Alice\n\nThanks for signing up. Read the [docs](https://example.com/docs).',
  attachments: [{ filename: 'notes.txt', content: 'Plain text attachment.\n' }],
});

console.log('Result:', result);
