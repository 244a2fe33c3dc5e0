import type { QueueAdapter } from './queue-adapter.js';

/** Outcome of an availability check. */
export interface Availability {
  available: boolean;
  /** Why the queue is unavailable. */
  reason?: string;
}

/** Options of {@link AvailabilityProbe}. */
export interface AvailabilityProbeOptions {
  /** Longest wait for the adapter's answer, in ms. Default 200. */
  timeoutMs?: number;
  /** How long an answer is reused, in ms. Default 1000. */
  ttlMs?: number;
}

/**
 * Asks a queue whether it is available, bounded by a timeout (a send must never hang
 * on a dead Redis or Postgres) and remembered briefly, so a burst of sends to a dead
 * queue pays the wait once and a queue that comes back is used again within a second.
 */
export class AvailabilityProbe {
  readonly #adapter: QueueAdapter;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  #cached: { value: Availability; until: number } | undefined;
  #pending: Promise<Availability> | undefined;
  #epoch = 0;

  constructor(adapter: QueueAdapter, options: AvailabilityProbeOptions = {}) {
    this.#adapter = adapter;
    this.#timeoutMs = options.timeoutMs ?? 200;
    this.#ttlMs = options.ttlMs ?? 1000;
  }

  /** The queue's availability, from the cache when fresh. */
  check(): Promise<Availability> {
    if (this.#cached !== undefined && this.#cached.until > Date.now())
      return Promise.resolve(this.#cached.value);
    if (this.#pending === undefined) {
      const epoch = this.#epoch;
      this.#pending = this.#probe()
        .then((value) => {
          // A probe that started before markUnavailable() must not overwrite it.
          if (epoch === this.#epoch) this.#cached = { value, until: Date.now() + this.#ttlMs };
          return value;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
  }

  /** Records that the queue is down, after an enqueue showed it. */
  markUnavailable(reason: string): void {
    this.#epoch += 1;
    this.#cached = { value: { available: false, reason }, until: Date.now() + this.#ttlMs };
  }

  async #probe(): Promise<Availability> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Availability>((resolve) => {
      timer = setTimeout(
        () => resolve({ available: false, reason: `no answer within ${this.#timeoutMs} ms` }),
        this.#timeoutMs,
      );
      timer.unref();
    });
    // Promise.resolve().then: an adapter that throws synchronously is just "down".
    const answer = Promise.resolve()
      .then(() => this.#adapter.isAvailable())
      .then(
        (available): Availability =>
          available === true
            ? { available: true }
            : { available: false, reason: 'the queue reports it is down' },
        (error: unknown): Availability => ({
          available: false,
          reason: `availability check failed: ${String(error)}`,
        }),
      );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
