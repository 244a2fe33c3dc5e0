import type { EmailJob } from '@mailroom/core';
import type { JobState, JobsOptions } from 'bullmq';
import type { AddedJob } from './queue-producer.js';

/** One job to store, with its BullMQ options. */
export interface JobEntry {
  job: EmailJob;
  opts: JobsOptions;
}

/**
 * Runs `write` (an add or addBulk) and, for the entries asked for, reads the state of
 * any job already stored under the same id. The reads are sent before the write, so
 * they normally see a job an earlier enqueue stored; a failed read counts as unknown.
 * Errors of `write` propagate for the producer to classify.
 */
export async function storeWithEarlierStates(
  queue: { getJobState(jobId: string): Promise<JobState | 'unknown'> },
  entries: readonly JobEntry[],
  readEarlierState: readonly boolean[],
  write: () => Promise<Array<{ id?: string }>>,
): Promise<AddedJob[]> {
  const earlier = entries.map(({ opts }, index) =>
    readEarlierState[index]
      ? queue.getJobState(String(opts.jobId)).catch(() => undefined)
      : undefined,
  );
  const stored = await write();
  const states = await Promise.all(earlier);
  return stored.map((added, index) => {
    const earlierState = states[index];
    return {
      id: added.id ?? String(entries[index]?.opts.jobId),
      ...(earlierState === undefined ? {} : { earlierState }),
    };
  });
}
