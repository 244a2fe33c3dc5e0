import { ValidationError } from '../errors.js';
import type { EmailPriority, SendEmailInput } from './send-email-input.js';

/** How one send wants to be delivered, validated. */
export interface DeliveryOptions {
  /** `true` forces the queue, `false` forces synchronous delivery; undefined: auto. */
  background: boolean | undefined;
  priority: EmailPriority;
  /** Delay before a queued email may go out; 0 for a time in the past. */
  delayMs: number;
  idempotencyKey: string | undefined;
}

const PRIORITIES = new Set(['high', 'normal', 'low']);

function invalid(field: string, message: string): ValidationError {
  return new ValidationError('INVALID_INPUT', `${field} ${message}`, { details: { field } });
}

function resolveDelay(delay: unknown): number {
  if (delay === undefined) return 0;
  if (delay instanceof Date) {
    const at = delay.getTime();
    if (Number.isNaN(at)) throw invalid('delay', 'is an invalid Date');
    return Math.max(0, at - Date.now());
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw invalid('delay', 'must be a non-negative number of milliseconds or a Date');
  }
  // A due time no clock or datastore can hold is a mistake, not a plan.
  if (!Number.isSafeInteger(Date.now() + Math.round(delay))) {
    throw invalid('delay', 'is too far in the future');
  }
  return Math.round(delay);
}

/**
 * Validates the delivery fields of a send: background, priority, delay, idempotencyKey,
 * and that failSilently, when given, is a boolean.
 */
export function resolveDeliveryOptions(input: SendEmailInput): DeliveryOptions {
  // A non-object input is reported by resolveMessage; here it just has no delivery fields.
  const { background, priority, idempotencyKey, delay, failSilently } = (input ??
    {}) as Partial<SendEmailInput>;
  if (background !== undefined && typeof background !== 'boolean') {
    throw invalid('background', 'must be a boolean');
  }
  if (failSilently !== undefined && typeof failSilently !== 'boolean') {
    throw invalid('failSilently', 'must be a boolean');
  }
  if (priority !== undefined && !PRIORITIES.has(priority)) {
    throw invalid('priority', "must be 'high', 'normal' or 'low'");
  }
  if (idempotencyKey !== undefined) {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
      throw invalid('idempotencyKey', 'must be a non-empty string');
    }
    if (idempotencyKey.length > 256)
      throw invalid('idempotencyKey', 'must be at most 256 characters');
  }
  const delayMs = resolveDelay(delay);
  if (delayMs > 0 && background === false) {
    throw invalid('delay', 'needs the queue and cannot be combined with background: false');
  }
  return { background, priority: priority ?? 'normal', delayMs, idempotencyKey };
}
