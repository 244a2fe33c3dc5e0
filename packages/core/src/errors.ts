/** Codes of {@link ValidationError}: the caller's input is wrong. */
export type ValidationErrorCode =
  | 'NO_RECIPIENTS'
  | 'INVALID_ADDRESS'
  | 'HEADER_INJECTION'
  | 'MISSING_SUBJECT'
  | 'MISSING_SENDER'
  | 'INVALID_INPUT';

/** Codes of {@link TemplateError}. */
export type TemplateErrorCode = 'TEMPLATE_NOT_FOUND' | 'TEMPLATE_INVALID_NAME' | 'TEMPLATE_RENDER';

/** Codes of {@link AttachmentError}. */
export type AttachmentErrorCode =
  | 'ATTACHMENT_NOT_FOUND'
  | 'ATTACHMENT_TOO_LARGE'
  | 'ATTACHMENT_TOTAL_TOO_LARGE'
  | 'ATTACHMENT_INVALID_BASE64'
  | 'ATTACHMENT_URL_SCHEME'
  | 'ATTACHMENT_URL_BLOCKED'
  | 'ATTACHMENT_FETCH_FAILED'
  | 'ATTACHMENT_PATH_NOT_ALLOWED'
  | 'ATTACHMENT_INVALID';

/** Codes of {@link DeliveryError}: the backend could not deliver. */
export type DeliveryErrorCode = 'DELIVERY_TEMPORARY' | 'DELIVERY_PERMANENT' | 'BACKEND_UNAVAILABLE';

/** Codes of {@link QueueError}. */
export type QueueErrorCode = 'QUEUE_UNAVAILABLE' | 'QUEUE_ENQUEUE_FAILED';

/** Codes of {@link ConfigError}. */
export type ConfigErrorCode = 'CONFIG_INVALID';

/** Every stable error code Mailroom raises. */
export type MailroomErrorCode =
  | ValidationErrorCode
  | TemplateErrorCode
  | AttachmentErrorCode
  | DeliveryErrorCode
  | QueueErrorCode
  | ConfigErrorCode;

/** Extra, machine-readable facts about an error (the offending field, value, SMTP reply…). */
export interface MailroomErrorDetails {
  /** The input field at fault, such as `to[1]`, `subject` or `attachments[0]`. */
  field?: string;
  /** The configuration key at fault. */
  key?: string;
  /** SMTP reply code, for delivery errors. */
  responseCode?: number;
  /** SMTP reply text, for delivery errors. */
  response?: string;
  [detail: string]: unknown;
}

/** Options accepted by every Mailroom error constructor. */
export interface MailroomErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Machine-readable facts about the error. */
  details?: MailroomErrorDetails;
}

/**
 * Base class of every error Mailroom raises. `code` is stable and safe to branch on;
 * `message` is for people.
 */
export class MailroomError extends Error {
  /** Stable error code. */
  readonly code: MailroomErrorCode;
  /** Machine-readable facts about the error. */
  readonly details: MailroomErrorDetails;

  constructor(code: MailroomErrorCode, message: string, options: MailroomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  /** A JSON-safe view of the error, used in job payloads and logs. */
  toJSON(): {
    name: string;
    code: MailroomErrorCode;
    message: string;
    details: MailroomErrorDetails;
  } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** The caller's input is invalid; nothing was sent or queued. */
export class ValidationError extends MailroomError {
  declare readonly code: ValidationErrorCode;
  constructor(code: ValidationErrorCode, message: string, options?: MailroomErrorOptions) {
    super(code, message, options);
  }
}

/** A template could not be found, named or rendered. */
export class TemplateError extends MailroomError {
  declare readonly code: TemplateErrorCode;
  constructor(code: TemplateErrorCode, message: string, options?: MailroomErrorOptions) {
    super(code, message, options);
  }
}

/** An attachment could not be resolved within the configured rules and limits. */
export class AttachmentError extends MailroomError {
  declare readonly code: AttachmentErrorCode;
  constructor(code: AttachmentErrorCode, message: string, options?: MailroomErrorOptions) {
    super(code, message, options);
  }
}

/** The backend could not deliver the message. `temporary` tells whether a retry may help. */
export class DeliveryError extends MailroomError {
  declare readonly code: DeliveryErrorCode;
  constructor(code: DeliveryErrorCode, message: string, options?: MailroomErrorOptions) {
    super(code, message, options);
  }

  /** True when retrying later may succeed (4xx replies, network failures). */
  get temporary(): boolean {
    return this.code !== 'DELIVERY_PERMANENT';
  }
}

/** The queue could not take the message. */
export class QueueError extends MailroomError {
  declare readonly code: QueueErrorCode;
  constructor(code: QueueErrorCode, message: string, options?: MailroomErrorOptions) {
    super(code, message, options);
  }
}

/** The configuration is invalid; raised when the mailer, backend or queue is created. */
export class ConfigError extends MailroomError {
  declare readonly code: ConfigErrorCode;
  constructor(key: string, message: string, options?: MailroomErrorOptions) {
    super('CONFIG_INVALID', `Invalid configuration "${key}": ${message}`, {
      ...options,
      details: { ...options?.details, key },
    });
  }
}

/** True when `value` is a Mailroom error, optionally with the given code. */
export function isMailroomError(value: unknown, code?: MailroomErrorCode): value is MailroomError {
  return value instanceof MailroomError && (code === undefined || value.code === code);
}
