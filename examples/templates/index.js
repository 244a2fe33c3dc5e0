// Mailroom templates: a Markdown email and an HTML email that share one layout
// (emails/layout.html), printed by the Console backend instead of being sent.
import { fileURLToPath } from 'node:url';
import { consoleBackend } from '@mailroom/backend-console';
import { closeDefaultMailer, configureMail, sendEmail } from '@mailroom/core';

configureMail({
  from: 'Acme <noreply@acme.example>',
  backend: consoleBackend(),
  queue: false,
  templates: {
    dir: fileURLToPath(new URL('./emails/', import.meta.url)),
    // Development setting: re-read the files on every send, so edits show at once.
    // Leave it out (cache: true) in production.
    cache: false,
  },
});

const user = {
  // Context values are escaped in HTML and stay inert in Markdown: this name shows as
  // written, it never becomes markup.
  name: 'Ada <b>Lovelace</b> & Co',
  username: 'ada_l',
};
const shared = { appName: 'Acme', user, unsubscribeUrl: 'https://acme.example/unsubscribe' };

// welcome.md: the subject comes from its front matter, the HTML part from marked inside
// the layout, and the text part is the rendered Markdown itself.
const welcome = await sendEmail({
  to: 'Ada Lovelace <ada@example.com>',
  template: 'welcome',
  context: {
    ...shared,
    docsUrl: 'https://acme.example/docs',
    tips: ['Create a project', 'Invite your team', 'Connect your domain'],
  },
});
console.log('welcome:', welcome.ok ? welcome.status : welcome.error.message);

// invoice.html: extends the layout; its text part is generated from the HTML.
const invoice = await sendEmail({
  to: 'Ada Lovelace <ada@example.com>',
  template: 'invoice',
  context: {
    ...shared,
    invoice: {
      number: 'INV-2024-042',
      period: 'March 2024',
      lines: [
        { description: 'Team plan', amount: '€ 40.00' },
        { description: 'Extra storage', amount: '€ 9.00' },
      ],
      total: '€ 49.00',
      payUrl: 'https://acme.example/pay/INV-2024-042',
    },
  },
});
console.log('invoice:', invoice.ok ? invoice.status : invoice.error.message);

await closeDefaultMailer();
