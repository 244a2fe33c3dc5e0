import type { DeliveryInfo, EmailBackend } from '../backend/email-backend.js';
import type { ResolvedMessage } from '../message/resolved-message.js';

/** Options for {@link testBackend}. */
export interface TestBackendOptions {
  /** Called before each delivery; throw (a `DeliveryError`) to make that send fail. */
  onSend?: (message: ResolvedMessage) => void | Promise<void>;
}

/** A backend that keeps what it is given, for your application's tests. */
export interface TestBackend extends EmailBackend {
  /** Every message delivered so far, oldest first. */
  readonly sent: ResolvedMessage[];
  /** Forgets the delivered messages. */
  clear(): void;
}

/**
 * A backend for tests: it delivers nothing, records every message, and reports every
 * envelope recipient as accepted.
 */
export function testBackend(options: TestBackendOptions = {}): TestBackend {
  const sent: ResolvedMessage[] = [];
  return {
    name: 'test',
    sent,
    clear: () => {
      sent.length = 0;
    },
    async send(message: ResolvedMessage): Promise<DeliveryInfo> {
      await options.onSend?.(message);
      sent.push(message);
      return { messageId: message.messageId, accepted: [...message.envelope.to], rejected: [] };
    },
  };
}
