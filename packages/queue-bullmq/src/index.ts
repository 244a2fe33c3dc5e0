/**
 * `@mailroom/queue-bullmq`: background delivery on BullMQ, in Redis or in PostgreSQL
 * (BullMQ's Postgres backend). `bullmqQueue()` stores jobs for the mailer,
 * `startEmailWorker()` delivers them, and the `mailroom-worker` CLI runs a worker and
 * the operator tasks.
 * @packageDocumentation
 */
export { BullmqQueue, bullmqQueue, bullmqQueueFromEnv, checkQueueEnv } from './bullmq-queue.js';
export type { BackoffOptions, BullmqQueueOptions, JobRetention } from './bullmq-queue-options.js';
export type { EmailJobResult } from './deliver-job.js';
export { EmailWorker, startEmailWorker } from './email-worker.js';
export type { EmailWorkerOptions } from './email-worker-options.js';
export type { JobFailure, JobOutcome } from './job-outcome.js';
export {
  type FinishedState,
  openQueueAdmin,
  QueueAdmin,
  type QueueCounts,
} from './queue-admin.js';
export type { QueueConnectionOptions, QueueEnv } from './queue-target.js';
export { DEFAULT_REMOVE_ON_COMPLETE, DEFAULT_REMOVE_ON_FAIL } from './validate-queue-options.js';
