import { MailroomError, QueueError } from '../errors.js';
import type { DeliveryOptions } from '../message/delivery-options.js';
import { AvailabilityProbe, type AvailabilityProbeOptions } from './availability-probe.js';
import { detectQueueFromEnv } from './detect-queue-from-env.js';
import type { EmailJob } from './email-job.js';
import type {
  EnqueuedJob,
  EnqueueOptions,
  QueueAdapter,
  QueueContext,
  QueuedEmail,
} from './queue-adapter.js';

/** Where one send goes. */
export type Route =
  | { kind: 'queue'; adapter: QueueAdapter }
  | { kind: 'sync'; fallback?: { queue: string; reason: string } };

interface ActiveQueue {
  adapter: QueueAdapter;
  probe: AvailabilityProbe;
}

/** The delivery fields routing depends on. */
export type RoutingOptions = Pick<DeliveryOptions, 'background' | 'delayMs' | 'idempotencyKey'>;

/** Outcome of an enqueue attempt the mailer acts on. */
export type EnqueueOutcome =
  | { queued: true; jobId: string; existing?: QueuedEmail }
  | { queued: false; reason: string };

const queuedOutcome = ({ id, existing }: EnqueuedJob): EnqueueOutcome => ({
  queued: true,
  jobId: id,
  ...(existing === undefined ? {} : { existing }),
});

// Only a queue can wait (delay) or be told to (background: true).
const needsQueue = (options: RoutingOptions): boolean =>
  options.background === true || options.delayMs > 0;

/**
 * Refuses synchronous delivery in place of a queue when that would break a promise the
 * caller relied on: a delay or forced background, an idempotency key (an earlier call
 * with the same key may be sitting in the queue, so sending now could send twice), or
 * an adapter configured to refuse fallback.
 */
function assertFallbackAllowed(
  adapter: QueueAdapter,
  reason: string,
  options: RoutingOptions,
): void {
  const why = needsQueue(options)
    ? 'the email is delayed or asked for background delivery'
    : options.idempotencyKey !== undefined
      ? 'an idempotency key cannot be honoured without the queue'
      : adapter.allowFallback === false
        ? 'the queue refuses synchronous fallback'
        : undefined;
  if (why !== undefined) {
    throw new QueueError(
      'QUEUE_UNAVAILABLE',
      `queue ${adapter.name} is unavailable (${reason}) and ${why}`,
      {
        details: { queue: adapter.name },
      },
    );
  }
}

// The adapter's own bound on its availability check, when it states a usable one.
function probeOptionsOf(adapter: QueueAdapter): AvailabilityProbeOptions {
  const timeoutMs = adapter.probeTimeoutMs;
  return typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0
    ? { timeoutMs }
    : {};
}

/**
 * Decides per send between the queue and synchronous delivery, and enqueues. It holds
 * the configured adapter, or the one auto-detected from the environment, with its
 * availability probe.
 */
export class QueueRouter {
  readonly #active: Promise<{ queue?: ActiveQueue; reason?: string }>;
  // #active once settled successfully: most sends then route without a wait.
  #settled: { queue?: ActiveQueue; reason?: string } | undefined;

  /**
   * @param setting the mailer's `queue` setting.
   * @param context given to an adapter that delivers in-process.
   */
  constructor(setting: 'auto' | false | QueueAdapter | undefined, context: QueueContext) {
    const activate = (adapter: QueueAdapter): ActiveQueue => {
      adapter.bind?.(context);
      return { adapter, probe: new AvailabilityProbe(adapter, probeOptionsOf(adapter)) };
    };
    if (setting === false) this.#active = Promise.resolve({});
    else if (setting === undefined || setting === 'auto') {
      this.#active = detectQueueFromEnv().then(({ adapter, reason }) => ({
        ...(adapter === undefined ? {} : { queue: activate(adapter) }),
        ...(reason === undefined ? {} : { reason }),
      }));
    } else this.#active = Promise.resolve({ queue: activate(setting) });
    // A failure is surfaced by the first send that needs it; never an unhandled rejection.
    this.#active.then(
      (active) => {
        this.#settled = active;
      },
      () => undefined,
    );
  }

  /**
   * Chooses the route for a send. Without any queue, sends go synchronously (an
   * idempotency key is then not enforced) unless the email needs a queue; with a queue
   * that is down, see {@link assertFallbackAllowed}. Throws `QUEUE_UNAVAILABLE`.
   */
  async route(options: RoutingOptions): Promise<Route> {
    if (options.background === false) return { kind: 'sync' };
    // Only the first sends wait here, while auto-detection imports the adapter.
    let waitedMs = 0;
    let active = this.#settled;
    if (active === undefined) {
      const waitStart = performance.now();
      active = await this.#active;
      waitedMs = performance.now() - waitStart;
    }
    const { queue, reason } = active;
    if (queue === undefined) {
      if (needsQueue(options)) {
        throw new QueueError(
          'QUEUE_UNAVAILABLE',
          `the email is delayed or asked for background delivery but ${reason ?? 'no queue is configured'}`,
        );
      }
      return reason === undefined
        ? { kind: 'sync' }
        : { kind: 'sync', fallback: { queue: 'auto', reason } };
    }
    // A send that may fall back takes a known "down" while it is being re-checked, and
    // waits for loading (auto-detection's import) and probing together no longer than
    // the probe's timeout.
    const mayFallBack =
      !needsQueue(options) &&
      options.idempotencyKey === undefined &&
      queue.adapter.allowFallback !== false;
    const availability = await queue.probe.check(
      mayFallBack ? { acceptStaleDown: true, waitedMs } : { waitWhileStarting: true },
    );
    if (availability.available) return { kind: 'queue', adapter: queue.adapter };
    const why = availability.reason ?? 'unavailable';
    assertFallbackAllowed(queue.adapter, why, options);
    return { kind: 'sync', fallback: { queue: queue.adapter.name, reason: why } };
  }

  /**
   * Enqueues a job. A job that certainly did not reach the queue comes back as
   * `{ queued: false }` so the mailer may deliver it synchronously (a refusal of this
   * job alone, `details.scope: 'job'`, leaves the queue marked available); any failure
   * after which the job may be in the queue is thrown as `QUEUE_ENQUEUE_FAILED`, so the
   * email is never sent twice.
   */
  async enqueue(
    adapter: QueueAdapter,
    job: EmailJob,
    enqueueOptions: EnqueueOptions,
    options: RoutingOptions,
  ): Promise<EnqueueOutcome> {
    try {
      return queuedOutcome(await adapter.enqueue(job, enqueueOptions));
    } catch (error) {
      return this.#recover(error, adapter, options);
    }
  }

  /**
   * Enqueues a batch through the adapter's `enqueueMany`. Returns
   * one outcome per item, in order: as for {@link enqueue}, with an error in place of a
   * throw, since each item may allow or refuse fallback.
   */
  async enqueueMany(
    adapter: QueueAdapter,
    items: ReadonlyArray<{
      job: EmailJob;
      enqueueOptions: EnqueueOptions;
      options: RoutingOptions;
    }>,
  ): Promise<Array<EnqueueOutcome | MailroomError>> {
    try {
      if (adapter.enqueueMany === undefined)
        throw new TypeError(`queue ${adapter.name} has no enqueueMany`);
      const stored = await adapter.enqueueMany(
        items.map(({ job, enqueueOptions }) => ({ job, opts: enqueueOptions })),
      );
      return Promise.all(
        items.map(async ({ options }, position): Promise<EnqueueOutcome | MailroomError> => {
          const entry = stored[position];
          if (entry !== undefined && 'id' in entry) return queuedOutcome(entry);
          const refusal =
            entry?.error ?? new QueueError('QUEUE_ENQUEUE_FAILED', `no result for job ${position}`);
          return this.#recover(refusal, adapter, options).catch(
            (failure: unknown) => failure as MailroomError,
          );
        }),
      );
    } catch (error) {
      return Promise.all(
        items.map(({ options }) =>
          this.#recover(error, adapter, options).catch(
            (failure: unknown) => failure as MailroomError,
          ),
        ),
      );
    }
  }

  // A refusal that proves nothing was stored may fall back; anything else may have
  // reached the queue and must not lead to a second delivery.
  async #recover(
    error: unknown,
    adapter: QueueAdapter,
    options: RoutingOptions,
  ): Promise<EnqueueOutcome> {
    if (error instanceof QueueError && error.code === 'QUEUE_UNAVAILABLE') {
      if (error.details.scope !== 'job') {
        const { queue } = await this.#active;
        queue?.probe.markUnavailable(error.message);
      }
      assertFallbackAllowed(adapter, error.message, options);
      return { queued: false, reason: error.message };
    }
    if (error instanceof MailroomError && error.code === 'QUEUE_ENQUEUE_FAILED') throw error;
    throw new QueueError(
      'QUEUE_ENQUEUE_FAILED',
      `enqueue to ${adapter.name} failed: ${String(error)}`,
      {
        cause: error,
        details: { queue: adapter.name },
      },
    );
  }

  /**
   * Stops availability checks: no background re-checks, and sends waiting for a
   * starting queue stop waiting. Called first when the mailer closes.
   */
  stopProbing(): void {
    this.#active.then(
      ({ queue }) => queue?.probe.stop(),
      () => undefined,
    );
    this.#settled?.queue?.probe.stop();
  }

  /** Finishes in-process work and closes the adapter, if one was set up. */
  async close(): Promise<void> {
    const { queue } = await this.#active.catch(() => ({ queue: undefined }));
    queue?.probe.stop();
    await queue?.adapter.close();
  }
}
