/**
 * `@mailroom/queue-memory`: in-process background delivery with retries. Work still
 * queued is lost if the process dies; use `@mailroom/queue-bullmq` when that matters.
 * @packageDocumentation
 */
export { computeBackoff } from './compute-backoff.js';
export { MemoryQueue, memoryQueue } from './memory-queue.js';
export type { MemoryQueueOptions } from './memory-queue-options.js';
