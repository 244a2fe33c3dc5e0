import type { DeliveryInfo } from '../backend/email-backend.js';
import { DeliveryError } from '../errors.js';
import type { EmailJob } from './email-job.js';

/** What a queue stores and reports to try again for the recipients deferred by a delivery. */
export interface DeferredRetry {
  /**
   * The job for the next attempt: the same message (headers, Message-ID, body
   * unchanged), its envelope narrowed to the deferred recipients, so nobody who
   * already has it gets it twice.
   */
  job: EmailJob;
  /** The temporary failure to retry the job with: `DELIVERY_TEMPORARY`. */
  error: DeliveryError;
}

/**
 * After a delivery that reached some recipients while the server deferred others (a
 * 4xx reply to RCPT TO), gives what a queue needs to retry the message for the
 * deferred recipients alone. Returns `undefined` when nobody was deferred.
 */
export function retryDeferredRecipients(
  job: EmailJob,
  info: DeliveryInfo,
): DeferredRetry | undefined {
  if (info.deferred === undefined || info.deferred.length === 0) return undefined;
  // Only recipients of this envelope, spelled as it spells them: a backend that
  // reports another spelling must not add or drop anyone.
  const deferred = new Set(info.deferred.map((address) => address.toLowerCase()));
  const to = job.envelope.to.filter((address) => deferred.has(address.toLowerCase()));
  if (to.length === 0) return undefined;
  // Counts in the message, which ends up in logs and job records; the addresses (Bcc
  // ones among them) only in the details.
  const error = new DeliveryError(
    'DELIVERY_TEMPORARY',
    `${to.length} of ${job.envelope.to.length} recipients deferred by the server; delivered to ${info.accepted.length}`,
    { details: { deferred: to, accepted: info.accepted } },
  );
  return { job: { ...job, envelope: { ...job.envelope, to } }, error };
}
