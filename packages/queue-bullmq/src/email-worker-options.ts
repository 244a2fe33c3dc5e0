import type { EmailBackend } from '@mailroom/core';
import type { JobOutcome } from './job-outcome.js';
import type { QueueConnectionOptions } from './queue-target.js';

/** Options of {@link startEmailWorker}. */
export interface EmailWorkerOptions extends QueueConnectionOptions {
  /** Where emails go, such as `smtpBackend(...)`. The caller closes it after the worker. */
  backend: EmailBackend;
  /** Queue name, as given to `bullmqQueue`. Default `emails`. */
  name?: string;
  /** Jobs delivered at once by this worker. Default 5 (the SMTP pool's size). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in ms. Default 30 000. A worker renews
   * it while it runs; when a worker dies, its jobs run again after about this long.
   */
  lockDuration?: number;
  /** How often to look for jobs of dead workers, in ms. Default 30 000. */
  stalledInterval?: number;
  /**
   * How many times a job may be recovered from a dead worker before it fails (a job
   * that keeps killing its worker should stop). Default 1.
   */
  maxStalledCount?: number;
  /** Called once per job outcome: sent, retry, failed or stalled. */
  onJob?: (outcome: JobOutcome) => void;
  /** Called with connection and processing errors. Default: printed to stderr. */
  onError?: (error: Error) => void;
}
