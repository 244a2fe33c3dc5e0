/**
 * Mailroom core: `sendEmail()`, mailers, the message model, and the contracts that
 * backends and queues implement.
 * @packageDocumentation
 */

export type { Address, AddressInput, AddressListInput } from './address/address.js';
export { dedupeRecipients } from './address/dedupe-recipients.js';
export { parseAddress, parseAddressList } from './address/parse-address.js';
export { validateAddress } from './address/validate-address.js';
export type {
  AttachmentCommonFields,
  AttachmentContent,
  AttachmentInput,
  AttachmentTuple,
  Base64Attachment,
  ContentAttachment,
  PathAttachment,
  UrlAttachment,
} from './attachments/attachment-input.js';
export {
  type AttachmentLookup,
  type AttachmentOptions,
  DEFAULT_ATTACHMENT_TIMEOUT_MS,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  type LookupAddress,
} from './attachments/attachment-options.js';
export { ATTACHMENT_CONCURRENCY, resolveAttachments } from './attachments/resolve-attachments.js';
export type { AttachmentSource, ResolvedAttachment } from './attachments/resolved-attachment.js';
export type { DeliveryInfo, EmailBackend } from './backend/email-backend.js';
export { htmlToPlainText } from './body/html-to-plain-text.js';
export { renderMarkdown } from './body/render-markdown.js';
export type { MailerConfig } from './config/mailer-config.js';
export { mailerConfigFromEnv } from './config/mailer-config-from-env.js';
export * from './errors.js';
export { createMailer } from './mailer/create-mailer.js';
export {
  closeDefaultMailer,
  configureMail,
  getDefaultMailer,
  sendEmail,
} from './mailer/default-mailer.js';
export { Mailer, type SendManyOptions } from './mailer/mailer.js';
export type {
  MailerEventBase,
  MailerEventName,
  MailerEvents,
  MailerListener,
} from './mailer/mailer-events.js';
export type { DeliveryMode, SendFailure, SendResult, SendSuccess } from './mailer/send-result.js';
export { type ResolveMessageOptions, resolveMessage } from './message/resolve-message.js';
export type { Envelope, ResolvedMessage } from './message/resolved-message.js';
export type { EmailPriority, SendEmailInput } from './message/send-email-input.js';
export { composeMime, composeMimeStream } from './mime/compose-mime.js';
export { toMailOptions } from './mime/to-mail-options.js';
export {
  type AttachmentContentReader,
  EMAIL_JOB_VERSION,
  type EmailJob,
  type EmailJobAttachment,
} from './queue/email-job.js';
export {
  type FromEmailJobOptions,
  fromEmailJob,
  toEmailJob,
} from './queue/email-job-codec.js';
export type {
  EnqueuedJob,
  EnqueueOptions,
  QueueAdapter,
  QueueContext,
  QueuedEmail,
  QueueEventSink,
} from './queue/queue-adapter.js';
export {
  type DeferredRetry,
  retryDeferredRecipients,
} from './queue/retry-deferred-recipients.js';
export { createTemplateRenderer } from './templates/create-template-renderer.js';
export type { RenderedTemplate, RenderTemplate } from './templates/rendered-template.js';
export type { TemplateOptions } from './templates/template-options.js';
