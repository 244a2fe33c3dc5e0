/**
 * `@mailroom/backend-smtp`: delivers Mailroom messages over SMTP with nodemailer.
 * @packageDocumentation
 */
export { classifySmtpError } from './classify-smtp-error.js';
export { parseSmtpUrl } from './parse-smtp-url.js';
export { SmtpBackend, smtpBackend } from './smtp-backend.js';
export type { SmtpBackendOptions, SmtpTlsOptions } from './smtp-backend-options.js';
