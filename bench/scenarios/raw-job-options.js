// The job options the raw BullMQ side uses: the same attempts, backoff and retention
// that Mailroom's BullMQ queue applies by default, so both store the same job records.
export const RAW_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 30_000, jitter: 0.25 },
  removeOnComplete: { age: 86_400, count: 1000 },
  removeOnFail: { age: 604_800, count: 5000 },
};
