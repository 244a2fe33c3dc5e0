import { type DeliveryInfo, type EmailBackend, fromEmailJob } from '@mailroom/core';
import { type Job, UnrecoverableError } from 'bullmq';
import { describeFailure, failureReason } from './job-outcome.js';

/** What a completed job records as its result. */
export interface EmailJobResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response?: string;
}

/** Delivers one job; a permanent failure becomes BullMQ's `UnrecoverableError`. */
export async function deliverJob(
  backend: EmailBackend,
  job: Job<unknown>,
): Promise<EmailJobResult> {
  let info: DeliveryInfo;
  try {
    const message = fromEmailJob(job.data);
    info = await backend.send(message);
  } catch (error) {
    const failure = describeFailure(error);
    // The reason (code, SMTP reply) is what BullMQ keeps as the job's failedReason.
    const thrown = failure.permanent
      ? new UnrecoverableError(failureReason(failure))
      : new Error(failureReason(failure));
    thrown.cause = error;
    throw thrown;
  }
  return {
    messageId: info.messageId,
    accepted: info.accepted,
    rejected: info.rejected,
    ...(info.response === undefined ? {} : { response: info.response }),
  };
}
