import type { DeliveryInfo } from '../backend/email-backend.js';
import type { MailroomError, QueueError } from '../errors.js';
import type { EmailPriority } from '../message/send-email-input.js';
import type { EmailJob } from './email-job.js';

/** Options of one enqueue call. */
export interface EnqueueOptions {
  /**
   * The job id: the caller's `idempotencyKey`, or else Mailroom's id. A queue must not
   * deliver two jobs with the same id.
   */
  jobId: string;
  /** Queue priority. Default `normal`. */
  priority: EmailPriority;
  /** Milliseconds to wait before the job may run. Default 0. */
  delayMs: number;
}

/** Which email a queued job delivers. */
export interface QueuedEmail {
  /** The email's id (`EmailJob.id`). */
  id: string;
  /** Its Message-ID. */
  messageId: string;
}

/** What an enqueue stored, or found stored. */
export interface EnqueuedJob {
  /** The job id. */
  id: string;
  /**
   * When the job id was taken (an idempotency key seen before) and nothing was stored:
   * the email queued under it first, which is the one that goes out.
   */
  existing?: QueuedEmail;
}

/** Lifecycle reports an in-process queue gives back to the mailer's events. */
export interface QueueEventSink {
  sending(job: EmailJob): void;
  sent(job: EmailJob, info: DeliveryInfo): void;
  retrying(job: EmailJob, attempt: number, delayMs: number, error: MailroomError): void;
  failed(job: EmailJob, error: MailroomError): void;
}

/**
 * What the mailer hands to a queue that delivers inside this process (such as the
 * memory queue): its backend, through `deliver`, and its events.
 */
export interface QueueContext {
  /**
   * Delivers a job through the mailer's backend; throws a `DeliveryError` on failure.
   * A delivery may reach only some recipients: when the result lists `deferred` ones,
   * the queue should try again for them alone (see `retryDeferredRecipients`), or they
   * are never sent the email.
   */
  deliver(job: EmailJob): Promise<DeliveryInfo>;
  /** Reports job progress as mailer events. */
  events: QueueEventSink;
}

/**
 * A queue for background delivery. Its workers deliver through an `EmailBackend`;
 * when a delivery reports `deferred` recipients, they should retry the job for those
 * alone (`retryDeferredRecipients` gives the job and the error to retry with).
 *
 * `enqueue` must throw a `QueueError`: `QUEUE_UNAVAILABLE` only when the job certainly
 * did not reach the queue (the mailer may then deliver synchronously), or
 * `QUEUE_ENQUEUE_FAILED` when it may have (the mailer then never falls back, so the
 * email cannot go out twice).
 */
export interface QueueAdapter {
  /** Queue name shown in results and events, such as `emails`. */
  readonly name: string;
  /**
   * When false, an unavailable queue makes sends fail with `QUEUE_UNAVAILABLE`
   * instead of falling back to synchronous delivery. Default true.
   */
  readonly allowFallback?: boolean;
  /**
   * How long `isAvailable()` may take to answer, in ms: the mailer waits that long for
   * it before taking the queue as down. Default 200.
   */
  readonly probeTimeoutMs?: number;
  /** Answers quickly whether the queue can take jobs now. The mailer bounds it with `probeTimeoutMs`. */
  isAvailable(): Promise<boolean>;
  /**
   * True while the queue makes its first connection (connecting, a first migration),
   * before it has been available once; false once that attempt succeeded or failed. A
   * send that cannot fall back (`background: true`, a delay, an idempotency key) then
   * waits for it, for at most 3 s after the mailer started, instead of being refused.
   * Must not do I/O: it is read every 50 ms while sends wait.
   */
  isStarting?(): boolean;
  /** Stores a job, or finds the one stored under its id already (see {@link EnqueuedJob}). */
  enqueue(job: EmailJob, opts: EnqueueOptions): Promise<EnqueuedJob>;
  /**
   * Stores several jobs in one round trip, returning one entry per item in order: its
   * id, or the `QueueError` that refused that item alone (too large, a failed
   * idempotency key…). The call throws, as `enqueue` does, when the batch as a whole was
   * not stored (`QUEUE_UNAVAILABLE`) or may have been (`QUEUE_ENQUEUE_FAILED`).
   * Optional: `sendMany` uses it when present.
   */
  enqueueMany?(
    items: ReadonlyArray<{ job: EmailJob; opts: EnqueueOptions }>,
  ): Promise<Array<EnqueuedJob | { error: QueueError }>>;
  /** Called once by the mailer that uses this queue, for queues that deliver in-process. */
  bind?(context: QueueContext): void;
  /** Waits until every queued job has been handled, for in-process queues. */
  drain?(): Promise<void>;
  /** Stops the queue, finishing in-process work within its own deadline. */
  close(): Promise<void>;
}
