import type { ResolvedMessage } from '../message/resolved-message.js';

/** What a backend reports after handing a message over. */
export interface DeliveryInfo {
  /** The Message-ID that was sent. */
  messageId: string;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused (the message still went to the accepted ones). */
  rejected: string[];
  /**
   * The part of `rejected` refused only for now (a 4xx reply, such as greylisting or a
   * full mailbox): a later attempt may reach them. Mailroom's queues retry the message
   * for these recipients alone (`retryDeferredRecipients`). Absent or empty when there
   * are none.
   */
  deferred?: string[];
  /** The server's final reply, when there is one. */
  response?: string;
}

/**
 * A delivery backend. `send` must throw a `DeliveryError` with `DELIVERY_TEMPORARY`
 * (retrying may help) or `DELIVERY_PERMANENT` (it will not) when it cannot deliver.
 */
export interface EmailBackend {
  /** Short name used in logs and results, such as `smtp` or `console`. */
  readonly name: string;
  /** Delivers one message. */
  send(message: ResolvedMessage): Promise<DeliveryInfo>;
  /** Checks that the backend can deliver (connects and authenticates, for SMTP). */
  verify?(): Promise<void>;
  /** Releases connections and other resources. */
  close?(): Promise<void>;
}
