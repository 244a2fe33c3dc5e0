import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DeliveryInfo } from '../backend/email-backend.js';
import type { MailerConfig } from '../config/mailer-config.js';
import { type ValidatedConfig, validateConfig } from '../config/validate-config.js';
import { DeliveryError, MailroomError, QueueError, ValidationError } from '../errors.js';
import { type DeliveryOptions, resolveDeliveryOptions } from '../message/delivery-options.js';
import { resolveMessage } from '../message/resolve-message.js';
import type { ResolvedMessage } from '../message/resolved-message.js';
import type { SendEmailInput } from '../message/send-email-input.js';
import type { EmailJob } from '../queue/email-job.js';
import { fromEmailJob, toEmailJob } from '../queue/email-job-codec.js';
import type { EnqueueOptions, QueueContext } from '../queue/queue-adapter.js';
import { type EnqueueOutcome, QueueRouter, type Route } from '../queue/queue-router.js';
import { createTemplateRenderer } from '../templates/create-template-renderer.js';
import type { RenderTemplate } from '../templates/rendered-template.js';
import type { MailerEventName, MailerEvents, MailerListener } from './mailer-events.js';
import type { DeliveryMode, SendFailure, SendResult, SendSuccess } from './send-result.js';

/** A send after validation and rendering, with its route chosen. */
interface Prepared {
  message: ResolvedMessage;
  delivery: DeliveryOptions;
  route: Route;
  enqueueOptions: EnqueueOptions;
}

// Jobs per enqueueMany call: large enough to amortise round trips, small enough to
// bound memory and let a long sendMany make progress.
const BATCH_SIZE = 500;

/** Options for {@link Mailer.sendMany}. */
export interface SendManyOptions {
  /** How many messages are in flight at once. Default 10. */
  concurrency?: number;
}

/** A backend's own failure that is not a DeliveryError yet: assume a retry may help. */
function asDeliveryError(error: unknown, backend: string): MailroomError {
  if (error instanceof MailroomError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new DeliveryError('DELIVERY_TEMPORARY', `backend ${backend} failed: ${reason}`, {
    cause: error,
  });
}

/** What results and `sent` events report of a delivery's recipients. */
function recipientsOf(info: DeliveryInfo): {
  accepted: string[];
  rejected: string[];
  deferred?: string[];
} {
  const { accepted, rejected, deferred } = info;
  return deferred === undefined || deferred.length === 0
    ? { accepted, rejected }
    : { accepted, rejected, deferred };
}

/**
 * Sends email through one backend, directly or through a queue. Create it with
 * `createMailer(config)`; use one per process and `close()` it on shutdown.
 */
export class Mailer {
  readonly #config: ValidatedConfig;
  readonly #events = new EventEmitter();
  readonly #router: QueueRouter;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #renderTemplate: RenderTemplate | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * Prefer `createMailer()`. Fails with `CONFIG_INVALID`, naming the key, when the
   * configuration is wrong.
   */
  constructor(config: MailerConfig) {
    this.#config = validateConfig(config);
    this.#router = new QueueRouter(config.queue, this.#queueContext());
    // One renderer per mailer, so every send shares its compiled templates.
    this.#renderTemplate =
      config.templates === undefined ? undefined : createTemplateRenderer(config.templates);
  }

  // How an in-process queue delivers through this mailer's backend and reports progress.
  #queueContext(): QueueContext {
    const base = (job: EmailJob) => ({ id: job.id, messageId: job.messageId });
    return {
      deliver: (job) => this.#sendThroughBackend(fromEmailJob(job)),
      events: {
        sending: (job) =>
          this.#emit('sending', {
            ...base(job),
            mode: 'queue',
            backend: this.#config.backend.name,
          }),
        sent: (job, info) =>
          this.#emit('sent', { ...base(job), mode: 'queue', ...recipientsOf(info) }),
        retrying: (job, attempt, delayMs, error) =>
          this.#emit('retrying', { ...base(job), attempt, delayMs, error }),
        failed: (job, error) => this.#emit('failed', { ...base(job), error }),
      },
    };
  }

  /** Subscribes to an event. Returns a function that unsubscribes. */
  on<E extends MailerEventName>(event: E, listener: MailerListener<E>): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  // A throwing listener must not turn a delivered email into a failed send, and an
  // async one that rejects must not crash the process as an unhandled rejection.
  #emit<E extends MailerEventName>(event: E, payload: MailerEvents[E]): void {
    const warn = (error: unknown): void => {
      process.emitWarning(
        `Mailroom "${event}" listener threw: ${String(error)}`,
        'MailroomWarning',
      );
    };
    for (const listener of this.#events.listeners(event)) {
      try {
        const returned: unknown = (listener as MailerListener<E>)(payload);
        if (returned instanceof Promise) returned.catch(warn);
      } catch (error) {
        warn(error);
      }
    }
  }

  /**
   * Validates, renders and delivers (or queues) one email. Throws a `MailroomError` on
   * failure, or returns `{ ok: false, error }` when `failSilently` is on.
   */
  send(input: SendEmailInput): Promise<SendResult> {
    const failSilently =
      typeof input?.failSilently === 'boolean'
        ? input.failSilently
        : (this.#config.failSilently ?? false);
    return this.#send(input, failSilently);
  }

  async #send(input: SendEmailInput, failSilently: boolean): Promise<SendResult> {
    return this.#track(async () => {
      const id = randomUUID();
      let prepared: Prepared | undefined;
      try {
        prepared = await this.#prepare(input, id);
        return await this.#dispatch(prepared);
      } catch (caught) {
        return this.#failure(caught, id, prepared?.message.messageId, failSilently);
      }
    });
  }

  // Sends under way are awaited by close() before the backend goes.
  async #track<T extends SendResult | SendResult[]>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.#inFlight.add(running);
    try {
      return await running;
    } finally {
      this.#inFlight.delete(running);
    }
  }

  // Everything that can be wrong with the input is found here, before anything is
  // queued or sent.
  async #prepare(input: SendEmailInput, id: string): Promise<Prepared> {
    if (this.#closed) throw new DeliveryError('BACKEND_UNAVAILABLE', 'the mailer is closed');
    // Checked first: a bad priority or delay must not cost a download or a render.
    const delivery = resolveDeliveryOptions(input);
    const message = await resolveMessage(input, {
      id,
      ...(this.#config.from === undefined ? {} : { from: this.#config.from }),
      ...(this.#config.attachments === undefined ? {} : { attachments: this.#config.attachments }),
      ...(this.#renderTemplate === undefined ? {} : { renderTemplate: this.#renderTemplate }),
    });
    const route = await this.#router.route(delivery);
    const enqueueOptions: EnqueueOptions = {
      jobId: delivery.idempotencyKey ?? id,
      priority: delivery.priority,
      delayMs: delivery.delayMs,
    };
    return { message, delivery, route, enqueueOptions };
  }

  async #dispatch(prepared: Prepared): Promise<SendSuccess> {
    const { message, route } = prepared;
    if (route.kind === 'sync') {
      if (route.fallback !== undefined) {
        this.#emit('fallback', { id: message.id, messageId: message.messageId, ...route.fallback });
      }
      return this.#deliverNow(message);
    }
    const job = await toEmailJob(message);
    const outcome = await this.#router.enqueue(
      route.adapter,
      job,
      prepared.enqueueOptions,
      prepared.delivery,
    );
    return this.#settle(prepared, route.adapter.name, outcome);
  }

  // Turns an enqueue outcome into the send's result: queued, or delivered directly
  // when the job certainly never reached the queue.
  async #settle(prepared: Prepared, queue: string, outcome: EnqueueOutcome): Promise<SendSuccess> {
    const { id, messageId } = prepared.message;
    if (outcome.queued) {
      const { jobId, existing } = outcome;
      // Nothing new was queued: the result names the email that goes out.
      if (existing !== undefined) {
        return {
          ok: true,
          status: 'queued',
          ...existing,
          mode: 'queue',
          queue,
          jobId,
          duplicate: true,
        };
      }
      this.#emit('queued', { id, messageId, queue, jobId });
      return { ok: true, status: 'queued', id, messageId, mode: 'queue', queue, jobId };
    }
    this.#emit('fallback', { id, messageId, queue, reason: outcome.reason });
    return this.#deliverNow(prepared.message);
  }

  #failure(
    caught: unknown,
    id: string,
    messageId: string | undefined,
    failSilently: boolean,
  ): SendFailure {
    if (!(caught instanceof MailroomError)) throw caught;
    this.#emit('failed', { id, ...(messageId === undefined ? {} : { messageId }), error: caught });
    if (!failSilently) throw caught;
    const mode: DeliveryMode | undefined =
      caught instanceof QueueError ? 'queue' : caught instanceof DeliveryError ? 'sync' : undefined;
    return {
      ok: false,
      status: 'failed',
      id,
      ...(messageId === undefined ? {} : { messageId }),
      ...(mode === undefined ? {} : { mode }),
      error: caught,
    };
  }

  async #sendThroughBackend(message: ResolvedMessage): Promise<DeliveryInfo> {
    const { backend } = this.#config;
    try {
      return await backend.send(message);
    } catch (error) {
      throw asDeliveryError(error, backend.name);
    }
  }

  async #deliverNow(message: ResolvedMessage): Promise<SendSuccess> {
    const { id, messageId } = message;
    this.#emit('sending', { id, messageId, mode: 'sync', backend: this.#config.backend.name });
    const recipients = recipientsOf(await this.#sendThroughBackend(message));
    this.#emit('sent', { id, messageId, mode: 'sync', ...recipients });
    return { ok: true, status: 'sent', id, messageId, mode: 'sync', ...recipients };
  }

  /**
   * Sends several emails, `concurrency` at a time, and reports each outcome in input
   * order. A failing email does not stop the others: its result is `{ ok: false, error }`.
   * Emails bound for a queue that takes batches (`enqueueMany`) are stored in batches
   * of up to 500.
   */
  async sendMany(
    inputs: readonly SendEmailInput[],
    options: SendManyOptions = {},
  ): Promise<SendResult[]> {
    if (!Array.isArray(inputs)) {
      throw new ValidationError('INVALID_INPUT', 'sendMany expects an array of emails', {
        details: { field: 'inputs' },
      });
    }
    if (options === null || typeof options !== 'object') {
      throw new ValidationError('INVALID_INPUT', 'sendMany options must be an object', {
        details: { field: 'options' },
      });
    }
    for (const key of Object.keys(options)) {
      if (key !== 'concurrency') {
        throw new ValidationError('INVALID_INPUT', `unknown sendMany option ${key}`, {
          details: { field: key },
        });
      }
    }
    const concurrency = options.concurrency ?? 10;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new ValidationError('INVALID_INPUT', 'concurrency must be a positive integer', {
        details: { field: 'concurrency' },
      });
    }
    return this.#track(async () => {
      const results = new Array<SendResult>(inputs.length);
      const batch: Array<{ index: number; prepared: Prepared; job: EmailJob }> = [];
      const flush = async (): Promise<void> => {
        const items = batch.splice(0);
        if (items.length > 0) await this.#enqueueBatch(items, results);
      };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < inputs.length) {
          const index = next++;
          const id = randomUUID();
          let prepared: Prepared | undefined;
          try {
            prepared = await this.#prepare(inputs[index] as SendEmailInput, id);
            if (
              prepared.route.kind === 'queue' &&
              prepared.route.adapter.enqueueMany !== undefined
            ) {
              batch.push({ index, prepared, job: await toEmailJob(prepared.message) });
              if (batch.length >= BATCH_SIZE) await flush();
            } else {
              results[index] = await this.#dispatch(prepared);
            }
          } catch (caught) {
            results[index] = this.#failure(caught, id, prepared?.message.messageId, true);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
      await flush();
      return results;
    });
  }

  async #enqueueBatch(
    items: Array<{ index: number; prepared: Prepared; job: EmailJob }>,
    results: SendResult[],
  ): Promise<void> {
    const [first] = items;
    if (first === undefined || first.prepared.route.kind !== 'queue') return;
    const { adapter } = first.prepared.route;
    const outcomes = await this.#router.enqueueMany(
      adapter,
      items.map(({ job, prepared }) => ({
        job,
        enqueueOptions: prepared.enqueueOptions,
        options: prepared.delivery,
      })),
    );
    await Promise.all(
      items.map(async ({ index, prepared }, position) => {
        const outcome = outcomes[position] as EnqueueOutcome | MailroomError;
        try {
          if (outcome instanceof MailroomError) throw outcome;
          results[index] = await this.#settle(prepared, adapter.name, outcome);
        } catch (caught) {
          results[index] = this.#failure(
            caught,
            prepared.message.id,
            prepared.message.messageId,
            true,
          );
        }
      }),
    );
  }

  /** Checks that the backend can deliver, when it supports a check. */
  async verify(): Promise<void> {
    await this.#config.backend.verify?.();
  }

  /**
   * Stops accepting emails, waits for sends already under way, lets the queue finish
   * in-process work (the memory queue within its close deadline), and closes the queue
   * and backend connections. Safe to call more than once: every call resolves when the
   * close is done.
   */
  close(): Promise<void> {
    // Every caller waits for the one close: a second must not return before the queue
    // has delivered what it holds.
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    // A send waiting for a queue that is still starting would hold close() up to 3 s.
    this.#router.stopProbing();
    // Sends already under way finish (or fail) before their backend is closed.
    await Promise.allSettled([...this.#inFlight]);
    await this.#router.close();
    await this.#config.backend.close?.();
  }
}
