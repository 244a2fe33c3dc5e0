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

/** Options of {@link AvailabilityProbe.check}. */
export interface AvailabilityCheckOptions {
  /**
   * Take an expired "down" at once while the queue is re-checked in the background:
   * for sends that may fall back, which then never wait on a queue that stays away.
   */
  acceptStaleDown?: boolean;
  /**
   * How long the send has waited already (for the adapter to load). Such a send waits
   * for the answer only what is left of the probe's timeout, and takes "down" after
   * that; the check itself goes on and its answer is remembered for later sends.
   */
  waitedMs?: number;
  /**
   * For sends that cannot fall back: while the adapter says it is still starting
   * (`isStarting()`: its first connection, a first migration), wait for it to finish,
   * for at most `STARTUP_MS` after the probe's creation, and check afresh, instead of
   * failing at once. A queue that answered "up" once, or that does not say it is
   * starting (refused, misconfigured), is not waited for.
   */
  waitWhileStarting?: boolean;
}

// The longest a send waits for a starting queue, counted from the probe's creation.
const STARTUP_MS = 3000;
// How often a starting adapter is asked whether it still is (a flag, no I/O).
const STARTUP_POLL_MS = 50;

/**
 * Asks a queue whether it is available, bounded by a timeout (a send must never hang
 * on a dead Redis or Postgres) and remembered briefly. While the queue is down it is
 * re-checked in the background every `ttlMs`, so a queue that comes back is used again
 * within about a second, and sends that may fall back never wait on a re-check of a
 * queue that still does not answer.
 */
export class AvailabilityProbe {
  readonly #adapter: QueueAdapter;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  #cached: { value: Availability; until: number } | undefined;
  #pending: Promise<Availability> | undefined;
  #epoch = 0;
  #recheck: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #startupUntil: number;
  #wasUp = false;
  #startup: Promise<Availability> | undefined;

  constructor(adapter: QueueAdapter, options: AvailabilityProbeOptions = {}) {
    this.#adapter = adapter;
    this.#timeoutMs = options.timeoutMs ?? 200;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#startupUntil = Date.now() + STARTUP_MS;
  }

  /** The queue's availability, from the cache when fresh. */
  check(options: AvailabilityCheckOptions = {}): Promise<Availability> {
    const answer = this.#answer(options);
    return options.waitWhileStarting === true ? this.#whileStarting(answer) : answer;
  }

  #answer(options: AvailabilityCheckOptions): Promise<Availability> {
    const cached = this.#cached;
    if (cached !== undefined) {
      if (cached.until > Date.now()) return Promise.resolve(cached.value);
      if (options.acceptStaleDown === true && !cached.value.available) {
        void this.#refresh();
        return Promise.resolve(cached.value);
      }
    }
    const answer = this.#refresh();
    const waited = options.waitedMs ?? 0;
    if (waited <= 0) return answer;
    return this.#within(
      answer,
      this.#timeoutMs - waited,
      `no answer within ${this.#timeoutMs} ms, loading the queue included (${Math.round(waited)} ms)`,
    );
  }

  // A first connection or a migration can take longer than one check: a send that has
  // no other way out waits for a queue that says it is starting.
  async #whileStarting(answer: Promise<Availability>): Promise<Availability> {
    const availability = await answer;
    if (availability.available || !this.#starting()) return availability;
    // One wait and one fresh check serve every send that waits.
    this.#startup ??= this.#afterStartup().finally(() => {
      this.#startup = undefined;
    });
    return this.#startup;
  }

  async #afterStartup(): Promise<Availability> {
    while (this.#starting()) {
      const pause = Math.min(STARTUP_POLL_MS, this.#startupUntil - Date.now());
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return this.#refresh();
  }

  #starting(): boolean {
    if (this.#wasUp || this.#stopped || Date.now() >= this.#startupUntil) return false;
    try {
      return this.#adapter.isStarting?.() === true;
    } catch {
      return false;
    }
  }

  /** Records that the queue is down, after an enqueue showed it. */
  markUnavailable(reason: string): void {
    this.#epoch += 1;
    this.#remember({ available: false, reason });
  }

  /** Stops the background re-checks and ends startup waits (the queue is being closed). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#recheck);
  }

  #refresh(): Promise<Availability> {
    if (this.#pending === undefined) {
      const epoch = this.#epoch;
      this.#pending = this.#probe()
        .then((value) => {
          // A probe that started before markUnavailable() must not overwrite it.
          if (epoch === this.#epoch) this.#remember(value);
          return value;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
  }

  #remember(value: Availability): void {
    this.#cached = { value, until: Date.now() + this.#ttlMs };
    if (value.available) this.#wasUp = true;
    clearTimeout(this.#recheck);
    if (value.available || this.#stopped) return;
    this.#recheck = setTimeout(() => void this.#refresh(), this.#ttlMs);
    // Re-checks serve sends; they never keep a process alive.
    this.#recheck.unref();
  }

  #probe(): Promise<Availability> {
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
    return this.#within(answer, this.#timeoutMs, `no answer within ${this.#timeoutMs} ms`);
  }

  async #within(answer: Promise<Availability>, ms: number, reason: string): Promise<Availability> {
    const limit = Math.max(0, Math.round(ms));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Availability>((resolve) => {
      timer = setTimeout(() => resolve({ available: false, reason }), limit);
      timer.unref();
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
