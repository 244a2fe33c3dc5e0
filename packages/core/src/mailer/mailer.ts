import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DeliveryInfo } from '../backend/email-backend.js';
import type { MailerConfig } from '../config/mailer-config.js';
import { type ValidatedConfig, validateConfig } from '../config/validate-config.js';
import { DeliveryError, MailroomError, ValidationError } from '../errors.js';
import { resolveDeliveryOptions } from '../message/delivery-options.js';
import { resolveMessage } from '../message/resolve-message.js';
import type { ResolvedMessage } from '../message/resolved-message.js';
import type { SendEmailInput } from '../message/send-email-input.js';
import type { EmailJob } from '../queue/email-job.js';
import { fromEmailJob, toEmailJob } from '../queue/email-job-codec.js';
import type { QueueContext } from '../queue/queue-adapter.js';
import { QueueRouter } from '../queue/queue-router.js';
import { createTemplateRenderer } from '../templates/create-template-renderer.js';
import type { RenderTemplate } from '../templates/rendered-template.js';
import type { MailerEventName, MailerEvents, MailerListener } from './mailer-events.js';
import type { DeliveryMode, SendResult, SendSuccess } from './send-result.js';

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

/**
 * Sends email through one backend, directly or through a queue. Create it with
 * `createMailer(config)`; use one per process and `close()` it on shutdown.
 */
export class Mailer {
  readonly #config: ValidatedConfig;
  readonly #events = new EventEmitter();
  readonly #router: QueueRouter;
  readonly #inFlight = new Set<Promise<SendResult>>();
  readonly #renderTemplate: RenderTemplate | undefined;
  #closed = false;

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
          this.#emit('sent', {
            ...base(job),
            mode: 'queue',
            accepted: info.accepted,
            rejected: info.rejected,
          }),
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

  // A throwing listener must not turn a delivered email into a failed send.
  #emit<E extends MailerEventName>(event: E, payload: MailerEvents[E]): void {
    for (const listener of this.#events.listeners(event)) {
      try {
        (listener as MailerListener<E>)(payload);
      } catch (error) {
        process.emitWarning(
          `Mailroom "${event}" listener threw: ${String(error)}`,
          'MailroomWarning',
        );
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
    const sending = this.#attempt(input, failSilently);
    this.#inFlight.add(sending);
    try {
      return await sending;
    } finally {
      this.#inFlight.delete(sending);
    }
  }

  async #attempt(input: SendEmailInput, failSilently: boolean): Promise<SendResult> {
    const id = randomUUID();
    let message: ResolvedMessage | undefined;
    let mode: DeliveryMode | undefined;
    try {
      if (this.#closed) {
        throw new DeliveryError('BACKEND_UNAVAILABLE', 'the mailer is closed');
      }
      // Checked first: a bad priority or delay must not cost a download or a render.
      const delivery = resolveDeliveryOptions(input);
      message = await resolveMessage(input, {
        id,
        ...(this.#config.from === undefined ? {} : { from: this.#config.from }),
        ...(this.#config.attachments === undefined
          ? {}
          : { attachments: this.#config.attachments }),
        ...(this.#renderTemplate === undefined ? {} : { renderTemplate: this.#renderTemplate }),
      });
      const route = await this.#router.route(delivery);
      if (route.kind === 'queue') {
        mode = 'queue';
        const job = await toEmailJob(message);
        const outcome = await this.#router.enqueue(
          route.adapter,
          job,
          {
            jobId: delivery.idempotencyKey ?? id,
            priority: delivery.priority,
            delayMs: delivery.delayMs,
          },
          delivery,
        );
        const queue = route.adapter.name;
        if (outcome.queued) {
          const { jobId } = outcome;
          this.#emit('queued', { id, messageId: message.messageId, queue, jobId });
          return {
            ok: true,
            status: 'queued',
            id,
            messageId: message.messageId,
            mode,
            queue,
            jobId,
          };
        }
        this.#emit('fallback', { id, messageId: message.messageId, queue, reason: outcome.reason });
      } else if (route.fallback !== undefined) {
        this.#emit('fallback', { id, messageId: message.messageId, ...route.fallback });
      }
      mode = 'sync';
      return await this.#deliverNow(message);
    } catch (caught) {
      if (!(caught instanceof MailroomError)) throw caught;
      const messageId = message?.messageId;
      this.#emit('failed', {
        id,
        ...(messageId === undefined ? {} : { messageId }),
        error: caught,
      });
      if (!failSilently) throw caught;
      return {
        ok: false,
        status: 'failed',
        id,
        ...(messageId === undefined ? {} : { messageId }),
        ...(mode === undefined ? {} : { mode }),
        error: caught,
      };
    }
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
    const info = await this.#sendThroughBackend(message);
    this.#emit('sent', {
      id,
      messageId,
      mode: 'sync',
      accepted: info.accepted,
      rejected: info.rejected,
    });
    return {
      ok: true,
      status: 'sent',
      id,
      messageId,
      mode: 'sync',
      accepted: info.accepted,
      rejected: info.rejected,
    };
  }

  /**
   * Sends several emails, `concurrency` at a time, and reports each outcome in input
   * order. A failing email does not stop the others: its result is `{ ok: false, error }`.
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
    const concurrency = options.concurrency ?? 10;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new ValidationError('INVALID_INPUT', 'concurrency must be a positive integer', {
        details: { field: 'concurrency' },
      });
    }
    const results = new Array<SendResult>(inputs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < inputs.length) {
        const index = next++;
        results[index] = await this.#send(inputs[index] as SendEmailInput, true);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
    return results;
  }

  /** Checks that the backend can deliver, when it supports a check. */
  async verify(): Promise<void> {
    await this.#config.backend.verify?.();
  }

  /**
   * Stops accepting emails, waits for sends already under way, lets the queue finish
   * in-process work (the memory queue drains within its deadline), and closes the queue
   * and backend connections. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Sends already under way finish (or fail) before their backend is closed.
    await Promise.allSettled([...this.#inFlight]);
    await this.#router.close();
    await this.#config.backend.close?.();
  }
}
