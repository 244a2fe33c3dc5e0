import {
  ConfigError,
  DeliveryError,
  type EmailJob,
  type EmailPriority,
  type EnqueuedJob,
  type EnqueueOptions,
  MailroomError,
  type QueueAdapter,
  type QueueContext,
  type QueuedEmail,
  QueueError,
  retryDeferredRecipients,
} from '@mailroom/core';
import { computeBackoff } from './compute-backoff.js';
import type { MemoryQueueOptions } from './memory-queue-options.js';

// The longest delay one Node timer waits for.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  job: EmailJob;
  id: string;
  priority: EmailPriority;
  attempt: number;
  // Whether `id` is an idempotency key (not the email's own, fresh, id).
  keyed: boolean;
}

const PRIORITY_ORDER: readonly EmailPriority[] = ['high', 'normal', 'low'];
// Idempotency keys of finished jobs are remembered so that a repeated key is not sent
// twice; past this many the oldest are forgotten, to bound memory. Keys of jobs not yet
// finished are always kept.
const REMEMBERED_KEYS = 10_000;

/**
 * In-process background delivery: emails wait in memory and are delivered by this
 * process through the mailer's backend, with retries of temporary failures.
 * Work still queued is lost if the process dies.
 */
export class MemoryQueue implements QueueAdapter {
  readonly name: string;
  readonly #concurrency: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #closeTimeoutMs: number;
  readonly #ready = new Map<EmailPriority, Entry[]>(PRIORITY_ORDER.map((p) => [p, []]));
  // Delayed jobs and retries, with when each is due.
  readonly #timers = new Map<NodeJS.Timeout, { entry: Entry; dueAt: number }>();
  // Idempotency keys, with the email each was first queued for.
  readonly #pendingKeys = new Map<string, QueuedEmail>();
  readonly #finishedKeys = new Map<string, QueuedEmail & { failed?: MailroomError }>();
  readonly #idle: Array<() => void> = [];
  #running = 0;
  #context: QueueContext | undefined;
  #closed = false;
  // Once closing: when close() stops waiting for queued work.
  #closeDeadline = Number.POSITIVE_INFINITY;
  #closing: Promise<void> | undefined;

  /** Use {@link memoryQueue}, which validates the options. */
  constructor(options: MemoryQueueOptions = {}) {
    this.name = options.name ?? 'memory';
    this.#concurrency = options.concurrency ?? 4;
    this.#attempts = options.attempts ?? 5;
    this.#backoffMs = options.backoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  }

  /** Receives the mailer's backend and events; a queue serves one mailer. */
  bind(context: QueueContext): void {
    if (this.#context !== undefined)
      throw new ConfigError('queue', 'a memory queue serves one mailer only');
    this.#context = context;
  }

  /** Available while open and bound to a mailer. */
  async isAvailable(): Promise<boolean> {
    return !this.#closed && this.#context !== undefined;
  }

  /** Queues a job; a job id seen before is not queued again, and its email is returned. */
  async enqueue(job: EmailJob, opts: EnqueueOptions): Promise<EnqueuedJob> {
    if (this.#closed || this.#context === undefined) {
      throw new QueueError(
        'QUEUE_UNAVAILABLE',
        `memory queue ${this.name} is ${this.#closed ? 'closed' : 'not bound to a mailer'}`,
      );
    }
    const keyed = opts.jobId !== job.id;
    if (keyed) {
      const finished = this.#finishedKeys.get(opts.jobId);
      if (finished?.failed !== undefined) {
        // Queuing it again would look like success while nothing is ever sent.
        throw new QueueError(
          'QUEUE_ENQUEUE_FAILED',
          `a job with id ${opts.jobId} already failed: ${finished.failed.message}`,
          { details: { queue: this.name, jobId: opts.jobId, state: 'failed' } },
        );
      }
      const earlier = finished ?? this.#pendingKeys.get(opts.jobId);
      if (earlier !== undefined) {
        return { id: opts.jobId, existing: { id: earlier.id, messageId: earlier.messageId } };
      }
      this.#pendingKeys.set(opts.jobId, { id: job.id, messageId: job.messageId });
    }
    const entry: Entry = { job, id: opts.jobId, priority: opts.priority, attempt: 0, keyed };
    if (opts.delayMs > 0) this.#schedule(entry, opts.delayMs);
    else this.#push(entry);
    return { id: opts.jobId };
  }

  // A job is done with: sent, or failed for good.
  #finish(entry: Entry, failed?: MailroomError): void {
    if (!entry.keyed) return;
    this.#pendingKeys.delete(entry.id);
    const email = { id: entry.job.id, messageId: entry.job.messageId };
    this.#finishedKeys.set(entry.id, failed === undefined ? email : { ...email, failed });
    if (this.#finishedKeys.size > REMEMBERED_KEYS) {
      const oldest = this.#finishedKeys.keys().next().value;
      if (oldest !== undefined) this.#finishedKeys.delete(oldest);
    }
  }

  #push(entry: Entry): void {
    this.#ready.get(entry.priority)?.push(entry);
    // Start on the next turn, so the caller hears `queued` before `sending`.
    setImmediate(() => this.#pump());
  }

  #schedule(entry: Entry, delayMs: number): void {
    // Node fires a timer of more than 2^31-1 ms (about 24.8 days) at once: a longer
    // delay is waited out in steps.
    const step = Math.min(delayMs, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (delayMs > step) this.#schedule(entry, delayMs - step);
      else this.#push(entry);
    }, step);
    this.#timers.set(timer, { entry, dueAt: Date.now() + delayMs });
  }

  #next(): Entry | undefined {
    for (const priority of PRIORITY_ORDER) {
      const entry = this.#ready.get(priority)?.shift();
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const entry = this.#next();
      if (entry === undefined) break;
      this.#running += 1;
      void this.#run(entry).finally(() => {
        this.#running -= 1;
        this.#pump();
        this.#notifyIfIdle();
      });
    }
    this.#notifyIfIdle();
  }

  async #run(entry: Entry): Promise<void> {
    const context = this.#context as QueueContext;
    entry.attempt += 1;
    context.events.sending(entry.job);
    try {
      const info = await context.deliver(entry.job);
      context.events.sent(entry.job, info);
      // Recipients the server deferred are tried again on their own.
      const retry = retryDeferredRecipients(entry.job, info);
      if (retry === undefined) {
        this.#finish(entry);
      } else {
        entry.job = retry.job;
        this.#retryOrFail(entry, retry.error);
      }
    } catch (caught) {
      const error =
        caught instanceof MailroomError
          ? caught
          : new DeliveryError('DELIVERY_TEMPORARY', `delivery crashed: ${String(caught)}`, {
              cause: caught,
            });
      this.#retryOrFail(entry, error);
    }
  }

  #retryOrFail(entry: Entry, error: MailroomError): void {
    const context = this.#context as QueueContext;
    const temporary = error instanceof DeliveryError && error.temporary;
    const delayMs = computeBackoff(entry.attempt, this.#backoffMs, this.#maxBackoffMs);
    // While closing, a retry still due before the deadline is waited for.
    const inTime = Date.now() + delayMs < this.#closeDeadline;
    if (temporary && entry.attempt < this.#attempts && inTime) {
      context.events.retrying(entry.job, entry.attempt + 1, delayMs, error);
      this.#schedule(entry, delayMs);
    } else {
      this.#finish(entry, error);
      context.events.failed(entry.job, error);
    }
  }

  get #pending(): number {
    let count = this.#running + this.#timers.size;
    for (const list of this.#ready.values()) count += list.length;
    return count;
  }

  #notifyIfIdle(): void {
    if (this.#pending === 0) for (const wake of this.#idle.splice(0)) wake();
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  drain(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops taking jobs and waits up to `closeTimeoutMs` for queued work: delayed jobs and
   * retries that come due before then too. Work due later is reported `failed` and
   * dropped at once, and whatever is still queued at the deadline then. A delivery
   * under way at the deadline is given as long again, so that it is reported `sent` or
   * `failed` before the close resolves; one that outlasts that too (a backend without
   * timeouts) is left running, and reported when it ends. Every call resolves when the
   * close is done.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + this.#closeTimeoutMs;
    this.#closeDeadline = deadline;
    this.#abandon(deadline, false);
    await this.#drainWithin(this.#closeTimeoutMs);
    this.#abandon(Number.NEGATIVE_INFINITY, true);
    // Left: deliveries under way, whose retries are past the deadline and not queued.
    await this.#drainWithin(this.#closeTimeoutMs);
  }

  async #drainWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drain(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  // Drops the delayed jobs and retries due at or after `dueFrom`, and the jobs ready to
  // run when `ready` is set, reporting each failed.
  #abandon(dueFrom: number, ready: boolean): void {
    const abandoned: Entry[] = [];
    for (const [timer, { entry, dueAt }] of this.#timers) {
      if (dueAt < dueFrom) continue;
      clearTimeout(timer);
      this.#timers.delete(timer);
      abandoned.push(entry);
    }
    if (ready) for (const list of this.#ready.values()) abandoned.push(...list.splice(0));
    for (const entry of abandoned) {
      const error = new QueueError(
        'QUEUE_UNAVAILABLE',
        `memory queue ${this.name} closed before this email was delivered`,
      );
      this.#finish(entry, error);
      this.#context?.events.failed(entry.job, error);
    }
    this.#notifyIfIdle();
  }
}

function positiveInteger(value: unknown, key: string, allowZero = false): void {
  if (
    value !== undefined &&
    !(Number.isSafeInteger(value) && (value as number) >= (allowZero ? 0 : 1))
  ) {
    throw new ConfigError(key, `must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
}

/** Creates an in-process queue. Options are validated (`CONFIG_INVALID` names the key). */
export function memoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('memoryQueue', 'options must be an object');
  const known = new Set([
    'name',
    'concurrency',
    'attempts',
    'backoffMs',
    'maxBackoffMs',
    'closeTimeoutMs',
  ]);
  for (const key of Object.keys(options))
    if (!known.has(key)) throw new ConfigError(key, 'unknown option');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new ConfigError('name', 'must be a non-empty string');
  }
  positiveInteger(options.concurrency, 'concurrency');
  positiveInteger(options.attempts, 'attempts');
  positiveInteger(options.backoffMs, 'backoffMs', true);
  positiveInteger(options.maxBackoffMs, 'maxBackoffMs', true);
  positiveInteger(options.closeTimeoutMs, 'closeTimeoutMs', true);
  return new MemoryQueue(options);
}
