import type { MailroomError } from '../errors.js';

/** How a message went out: delivered now, or handed to a queue. */
export type DeliveryMode = 'sync' | 'queue';

/** A successful send. */
export interface SendSuccess {
  ok: true;
  /** `sent`: delivered by the backend; `queued`: safely stored for a worker. */
  status: 'sent' | 'queued';
  /** Mailroom's id for this send; every event about it carries the same id. */
  id: string;
  /** The queue's job id, when queued: the `idempotencyKey`, or else `id` (as the queue stores it). */
  jobId?: string;
  /**
   * True when the `idempotencyKey` named an email queued before: nothing new was queued
   * (and no `queued` event fired), and `id` and `messageId` are that email's.
   */
  duplicate?: true;
  /** The RFC 5322 Message-ID. */
  messageId?: string;
  /** Delivered synchronously or queued. */
  mode: DeliveryMode;
  /** Queue name, when queued. */
  queue?: string;
  /** Recipients the server accepted (synchronous delivery). */
  accepted?: string[];
  /** Recipients the server refused (synchronous delivery). */
  rejected?: string[];
  /**
   * The part of `rejected` the server refused only for now (a 4xx reply): sending to
   * them again later may succeed. Present only when there are some.
   */
  deferred?: string[];
}

/** A failed send, returned instead of thrown when `failSilently` is on. */
export interface SendFailure {
  ok: false;
  status: 'failed';
  /** Mailroom's id for this attempt. */
  id: string;
  /** The Message-ID, when the message got far enough to have one. */
  messageId?: string;
  /** How delivery was attempted, when it got that far. */
  mode?: DeliveryMode;
  /** What went wrong. */
  error: MailroomError;
}

/** The outcome of `send()` / `sendEmail()`. */
export type SendResult = SendSuccess | SendFailure;
