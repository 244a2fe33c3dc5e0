import {
  AttachmentError,
  DeliveryError,
  type DeliveryInfo,
  type EmailBackend,
  type EmailJob,
  type EmailJobAttachment,
  fromEmailJob,
  type ResolvedMessage,
  retryDeferredRecipients,
} from '@mailroom/core';
import { type Job, UnrecoverableError } from 'bullmq';
import type { AttachmentContentStore } from './attachment-content-store.js';
import { describeFailure, failureReason } from './job-outcome.js';

/** What a completed job records as its result. */
export interface EmailJobResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response?: string;
}

/**
 * Streams stored content. The datastore failing half-way (a restart, a failover, a
 * dropped connection) is worth a retry: it is thrown as `DELIVERY_TEMPORARY`, which
 * the SMTP backend keeps as temporary under nodemailer's ESTREAM.
 */
async function* readStored(
  content: AttachmentContentStore,
  ref: string,
  size: number,
): AsyncGenerator<Uint8Array> {
  try {
    yield* content.read(ref, size);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DeliveryError(
      'DELIVERY_TEMPORARY',
      `stored attachment content ${ref} could not be read: ${reason}`,
      { cause: error, details: { contentRef: ref } },
    );
  }
}

/**
 * Reads the job into a message whose stored attachments stream from `content`. Checks
 * first that all of them are there: content that expired or was deleted would
 * otherwise surface half-way through the SMTP transaction, as a failure worth a retry.
 */
async function readMessage(
  job: Job<unknown>,
  content: AttachmentContentStore,
): Promise<ResolvedMessage> {
  const message = fromEmailJob(job.data, {
    contentReader: { openContent: (ref, attachment) => readStored(content, ref, attachment.size) },
  });
  const attachments = (job.data as { attachments: EmailJobAttachment[] }).attachments;
  for (const attachment of attachments) {
    const ref = attachment.contentRef;
    if (ref === undefined || (await content.has(ref, attachment.size))) continue;
    throw new AttachmentError(
      'ATTACHMENT_NOT_FOUND',
      `attachment ${attachment.filename}: its stored content (${ref}) has expired or was deleted`,
      { details: { filename: attachment.filename, contentRef: ref } },
    );
  }
  return message;
}

// The reason (code, SMTP reply) is what BullMQ keeps as the job's failedReason; a
// permanent failure is not tried again.
function asJobFailure(error: unknown): Error {
  const failure = describeFailure(error);
  const thrown = failure.permanent
    ? new UnrecoverableError(failureReason(failure))
    : new Error(failureReason(failure));
  thrown.cause = error;
  return thrown;
}

/**
 * Delivers one job, its stored attachment content streamed from `content`; a
 * permanent failure becomes BullMQ's `UnrecoverableError`. When the server deferred
 * some recipients (a 4xx reply) and took the others, the job's envelope is narrowed to
 * the deferred ones and the attempt fails as temporary, so BullMQ's backoff brings it
 * back for them alone.
 */
export async function deliverJob(
  backend: EmailBackend,
  job: Job<unknown>,
  content: AttachmentContentStore,
): Promise<EmailJobResult> {
  let info: DeliveryInfo;
  try {
    info = await backend.send(await readMessage(job, content));
  } catch (error) {
    throw asJobFailure(error);
  }
  // readMessage has checked the job's shape.
  const retry = retryDeferredRecipients(job.data as EmailJob, info);
  if (retry !== undefined) {
    // The next attempt, or retry-failed after the last, goes to the deferred alone.
    // Should this write fail, the job runs again for everyone: at least once.
    await job.updateData(retry.job);
    throw asJobFailure(retry.error);
  }
  return {
    messageId: info.messageId,
    accepted: info.accepted,
    rejected: info.rejected,
    ...(info.response === undefined ? {} : { response: info.response }),
  };
}
