import type { MailroomError } from '../errors.js';
import type { DeliveryMode } from './send-result.js';

/** Payload of every event: which send it is about. */
export interface MailerEventBase {
  /** Mailroom's id for the send. */
  id: string;
  /** The Message-ID, once assigned. */
  messageId?: string;
}

/** Event names and their payloads. */
export interface MailerEvents {
  /** A message is handed to a queue. */
  queued: MailerEventBase & { queue: string; jobId: string };
  /** A backend starts delivering a message. */
  sending: MailerEventBase & { mode: DeliveryMode; backend: string };
  /**
   * A backend delivered a message. `deferred` (present only when some were) lists the
   * recipients refused for now; Mailroom's in-process queue then retries for them
   * alone, and a later `sent` reports that attempt.
   */
  sent: MailerEventBase & {
    mode: DeliveryMode;
    accepted: string[];
    rejected: string[];
    deferred?: string[];
  };
  /** A temporary failure; delivery will be tried again. */
  retrying: MailerEventBase & { attempt: number; delayMs: number; error: MailroomError };
  /** A send failed for good. */
  failed: MailerEventBase & { error: MailroomError };
  /** The queue was unavailable; the message is delivered synchronously instead. */
  fallback: MailerEventBase & { queue: string; reason: string };
}

/** A name from {@link MailerEvents}. */
export type MailerEventName = keyof MailerEvents;

/** A listener for event `E`. */
export type MailerListener<E extends MailerEventName> = (payload: MailerEvents[E]) => void;
