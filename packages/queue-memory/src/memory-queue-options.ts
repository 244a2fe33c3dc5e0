/** Options of {@link memoryQueue}. */
export interface MemoryQueueOptions {
  /** Name shown in results and events. Default `memory`. */
  name?: string;
  /** Deliveries running at once. Default 4. */
  concurrency?: number;
  /** Delivery attempts per email, the first included. Default 5. */
  attempts?: number;
  /** Base backoff before the first retry, in ms; doubled each retry, with ±50 % jitter. Default 1000. */
  backoffMs?: number;
  /** Longest backoff, in ms. Default 60 000. */
  maxBackoffMs?: number;
  /**
   * How long `close()` waits for queued work (delayed jobs and retries due by then) before
   * giving it up, in ms; a delivery under way then is given as long again. Default 10 000.
   */
  closeTimeoutMs?: number;
}
