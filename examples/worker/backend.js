// The delivery backend both processes use: SMTP when SMTP_URL is set, otherwise the
// Console backend, which prints each email instead of sending it.
import { consoleBackend } from '@mailroom/backend-console';
import { smtpBackend } from '@mailroom/backend-smtp';

export function backendFromEnv() {
  const url = process.env.SMTP_URL;
  return url ? smtpBackend({ url }) : consoleBackend();
}
