import type { DeliveryInfo, EmailBackend, ResolvedMessage } from '@mailroom/core';
import { ConfigError, DeliveryError, toMailOptions } from '@mailroom/core';
import nodemailer, { type Transporter } from 'nodemailer';
import { attachmentFailureOf } from './attachment-failure-of.js';
import { classifySmtpError } from './classify-smtp-error.js';
import { isStreamReread } from './is-stream-reread.js';
import { parseSmtpUrl } from './parse-smtp-url.js';
import type { SmtpBackendOptions } from './smtp-backend-options.js';
import { validateSmtpOptions } from './validate-smtp-options.js';

type Recipient = string | { address: string };
const addressOf = (recipient: Recipient): string =>
  typeof recipient === 'string' ? recipient : recipient.address;

/** nodemailer's record of one refused recipient. */
interface RecipientError {
  recipient?: Recipient;
  responseCode?: number;
}

// Refused with a 4xx reply (greylisting, a full mailbox, a rate limit): worth another
// attempt, unlike a 5xx.
function deferredOf(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return (errors as RecipientError[]).flatMap(({ recipient, responseCode }) =>
    recipient !== undefined &&
    responseCode !== undefined &&
    responseCode >= 400 &&
    responseCode < 500
      ? [addressOf(recipient)]
      : [],
  );
}

/** The SMTP backend: delivers through nodemailer, pooled by default. */
export class SmtpBackend implements EmailBackend {
  readonly name = 'smtp';
  readonly #transporter: Transporter;
  #closed = false;

  /** Use {@link smtpBackend}, which validates the options. */
  constructor(options: SmtpBackendOptions) {
    const secure = options.secure ?? false;
    this.#transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port ?? (secure ? 465 : 587),
      secure,
      // Credentials never travel in clear by default: a STARTTLS-stripping attacker
      // would otherwise read them. Local test servers opt out with requireTLS: false.
      requireTLS: options.requireTLS ?? (options.auth !== undefined && !secure),
      ...(options.auth === undefined
        ? {}
        : { auth: { user: options.auth.user, pass: options.auth.pass } }),
      pool: options.pool ?? true,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: options.maxMessages ?? 100,
      idleTimeout: options.idleTimeoutMs ?? 2000,
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.greetingTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      ...(options.name === undefined ? {} : { name: options.name }),
      tls: {
        rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        minVersion: options.tls?.minVersion ?? 'TLSv1.2',
        ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
        ...(options.tls?.servername === undefined ? {} : { servername: options.tls.servername }),
      },
      // Defence in depth: toMailOptions never hands over paths or URLs, and nodemailer
      // must refuse them should one slip through.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /**
   * Delivers one message; throws a classified {@link DeliveryError} on failure, or the
   * {@link AttachmentError} of an attachment that could no longer be read (a file changed
   * since it was checked), as every backend does.
   */
  async send(message: ResolvedMessage): Promise<DeliveryInfo> {
    if (this.#closed) throw new DeliveryError('BACKEND_UNAVAILABLE', 'the SMTP backend is closed');
    try {
      const info = await this.#sendMail(message);
      const deferred = deferredOf((info as { rejectedErrors?: unknown }).rejectedErrors);
      return {
        messageId: message.messageId,
        accepted: (info.accepted as Recipient[]).map(addressOf),
        rejected: (info.rejected as Recipient[]).map(addressOf),
        ...(deferred.length === 0 ? {} : { deferred }),
        ...(typeof info.response === 'string' ? { response: info.response } : {}),
      };
    } catch (error) {
      throw attachmentFailureOf(error) ?? classifySmtpError(error);
    }
  }

  // The server took nothing when nodemailer offered a streamed part again (see
  // isStreamReread), so the message is composed afresh and sent once more.
  async #sendMail(message: ResolvedMessage) {
    try {
      return await this.#transporter.sendMail(toMailOptions(message));
    } catch (error) {
      if (!isStreamReread(error)) throw error;
      return this.#transporter.sendMail(toMailOptions(message));
    }
  }

  /** Connects (and authenticates) once to check the settings. */
  async verify(): Promise<void> {
    try {
      await this.#transporter.verify();
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  /** Closes pooled connections; later sends fail with `BACKEND_UNAVAILABLE`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#transporter.close();
  }
}

/**
 * Creates the SMTP backend. Options are validated at once (`CONFIG_INVALID` names the
 * key); `url` may stand in for host, port, secure and auth.
 */
export function smtpBackend(options: SmtpBackendOptions): SmtpBackend {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('smtp', 'options must be an object');
  const merged =
    options.url === undefined ? options : { ...parseSmtpUrl(options.url), ...withoutUrl(options) };
  validateSmtpOptions(merged);
  return new SmtpBackend(merged);
}

function withoutUrl(options: SmtpBackendOptions): SmtpBackendOptions {
  const { url: _url, ...rest } = options;
  return rest;
}
