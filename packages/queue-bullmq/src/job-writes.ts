import type { EmailJob } from '@mailroom/core';
import type { JobsOptions } from 'bullmq';
import type { JobEntry } from './store-with-earlier-states.js';

/** The part of a BullMQ queue, on Redis or PostgreSQL, that stores email jobs. */
export interface EmailJobWriter {
  add(name: string, data: EmailJob, opts?: JobsOptions): Promise<{ id?: string }>;
  addBulk(
    jobs: Array<{ name: string; data: EmailJob; opts?: JobsOptions }>,
  ): Promise<Array<{ id?: string }>>;
}

/** One way to store entries: it resolves to each stored job's id, in order. */
export type WriteJobs = (
  queue: EmailJobWriter,
  entries: readonly JobEntry[],
) => Promise<Array<{ id?: string }>>;

/** Stores the one entry with BullMQ `add`. */
export const addOneJob: WriteJobs = (queue, [entry]) => {
  const { job, opts } = entry as JobEntry;
  return queue.add('email', job, opts).then((stored) => [stored]);
};

/** Stores every entry with one BullMQ `addBulk`: all of them, or none. */
export const addAllJobs: WriteJobs = (queue, entries) =>
  queue.addBulk(entries.map(({ job, opts }) => ({ name: 'email', data: job, opts })));
