import { MailroomError, QueueError } from '../errors.js';
import { AvailabilityProbe } from './availability-probe.js';
import { detectQueueFromEnv } from './detect-queue-from-env.js';
import type { EmailJob } from './email-job.js';
import type { EnqueueOptions, QueueAdapter, QueueContext } from './queue-adapter.js';

/** Where one send goes. */
export type Route =
  | { kind: 'queue'; adapter: QueueAdapter }
  | { kind: 'sync'; fallback?: { queue: string; reason: string } };

interface ActiveQueue {
  adapter: QueueAdapter;
  probe: AvailabilityProbe;
}

function assertFallbackAllowed(
  adapter: QueueAdapter,
  reason: string,
  background: boolean | undefined,
): void {
  if (background === true || adapter.allowFallback === false) {
    throw new QueueError('QUEUE_UNAVAILABLE', `queue ${adapter.name} is unavailable: ${reason}`, {
      details: { queue: adapter.name },
    });
  }
}

/** Outcome of an enqueue attempt the mailer acts on. */
export type EnqueueOutcome = { queued: true; id: string } | { queued: false; reason: string };

/**
 * Decides per send between the queue and synchronous delivery, and enqueues. It holds
 * the configured adapter, or the one auto-detected from the environment, with its
 * availability probe.
 */
export class QueueRouter {
  readonly #active: Promise<{ queue?: ActiveQueue; reason?: string }>;

  /**
   * @param setting the mailer's `queue` setting.
   * @param context given to an adapter that delivers in-process.
   */
  constructor(setting: 'auto' | false | QueueAdapter | undefined, context: QueueContext) {
    const activate = (adapter: QueueAdapter): ActiveQueue => {
      adapter.bind?.(context);
      return { adapter, probe: new AvailabilityProbe(adapter) };
    };
    if (setting === false) this.#active = Promise.resolve({});
    else if (setting === undefined || setting === 'auto') {
      this.#active = detectQueueFromEnv().then(({ adapter, reason }) => ({
        ...(adapter === undefined ? {} : { queue: activate(adapter) }),
        ...(reason === undefined ? {} : { reason }),
      }));
      // Surfaced by the first send that needs it; never an unhandled rejection.
      this.#active.catch(() => undefined);
    } else this.#active = Promise.resolve({ queue: activate(setting) });
  }

  /**
   * Chooses the route for a send. `background: true` insists on the queue and
   * `false` on synchronous delivery. Throws `QUEUE_UNAVAILABLE` when the queue is
   * required (forced, or configured to refuse fallback) but down.
   */
  async route(background: boolean | undefined): Promise<Route> {
    if (background === false) return { kind: 'sync' };
    const { queue, reason } = await this.#active;
    if (queue === undefined) {
      if (background === true) {
        throw new QueueError(
          'QUEUE_UNAVAILABLE',
          `background delivery was asked for but ${reason ?? 'no queue is configured'}`,
        );
      }
      return reason === undefined
        ? { kind: 'sync' }
        : { kind: 'sync', fallback: { queue: 'auto', reason } };
    }
    const availability = await queue.probe.check();
    if (availability.available) return { kind: 'queue', adapter: queue.adapter };
    return this.#fallback(queue.adapter, availability.reason ?? 'unavailable', background);
  }

  #fallback(adapter: QueueAdapter, reason: string, background: boolean | undefined): Route {
    assertFallbackAllowed(adapter, reason, background);
    return { kind: 'sync', fallback: { queue: adapter.name, reason } };
  }

  /**
   * Enqueues a job. A job that certainly did not reach the queue comes back as
   * `{ queued: false }` so the mailer may deliver it synchronously; any failure after
   * which the job may be in the queue is thrown as `QUEUE_ENQUEUE_FAILED`, so the email
   * is never sent twice.
   */
  async enqueue(
    adapter: QueueAdapter,
    job: EmailJob,
    options: EnqueueOptions,
    background: boolean | undefined,
  ): Promise<EnqueueOutcome> {
    try {
      const { id } = await adapter.enqueue(job, options);
      return { queued: true, id };
    } catch (error) {
      if (error instanceof QueueError && error.code === 'QUEUE_UNAVAILABLE') {
        const { queue } = await this.#active;
        queue?.probe.markUnavailable(error.message);
        assertFallbackAllowed(adapter, error.message, background);
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
  }

  /** Finishes in-process work and closes the adapter, if one was set up. */
  async close(): Promise<void> {
    const { queue } = await this.#active.catch(() => ({ queue: undefined }));
    await queue?.adapter.close();
  }
}
