import { QueueError } from '@mailroom/core';

type Bullmq = typeof import('bullmq');

let loading: Promise<Bullmq> | undefined;

/**
 * Imports BullMQ once, on first use: the producers load it for their first job, so that
 * auto-detection answers "is the datastore there?" without waiting for it. A failed
 * import (a bundle that left BullMQ out) rejects with `QUEUE_UNAVAILABLE`, since no job
 * was stored, and is tried again on the next call instead of being remembered.
 */
export function loadBullmq(): Promise<Bullmq> {
  if (loading === undefined) {
    const attempt = import('bullmq').catch((error: unknown) => {
      if (loading === attempt) loading = undefined;
      throw new QueueError('QUEUE_UNAVAILABLE', `BullMQ could not be loaded: ${String(error)}`, {
        cause: error,
      });
    });
    loading = attempt;
  }
  return loading;
}
