import {
  AttachmentError,
  type DeliveryInfo,
  type EmailBackend,
  type EmailJobAttachment,
  fromEmailJob,
  type ResolvedMessage,
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
 * Reads the job into a message whose stored attachments stream from `content`. Checks
 * first that all of them are there: content that expired or was deleted would
 * otherwise surface half-way through the SMTP transaction, as a failure worth a retry.
 */
async function readMessage(
  job: Job<unknown>,
  content: AttachmentContentStore,
): Promise<ResolvedMessage> {
  const message = fromEmailJob(job.data, {
    contentReader: { openContent: (ref, attachment) => content.read(ref, attachment.size) },
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

/**
 * Delivers one job, its stored attachment content streamed from `content`; a
 * permanent failure becomes BullMQ's `UnrecoverableError`.
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
