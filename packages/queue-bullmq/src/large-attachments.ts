import type { EmailJob, EmailJobAttachment } from '@mailroom/core';
import type { StoredContent } from './attachment-content-store.js';

/**
 * Attachments whose base64 is longer than this (64 KiB) travel outside the job. Small
 * ones stay inline: one more datastore round trip would cost them more than it saves.
 */
export const CONTENT_REF_THRESHOLD = 64 * 1024;

/**
 * Splits a job into the job to store, with each large attachment replaced by a
 * `contentRef`, and the content to store first. Refs are named by the email's own id
 * (fresh for each send) and the attachment's position, never by the job id: an
 * idempotency key names an earlier job, whose content must not be overwritten.
 */
export function moveLargeAttachments(job: EmailJob): { job: EmailJob; contents: StoredContent[] } {
  const contents: StoredContent[] = [];
  const attachments = job.attachments.map((attachment, index): EmailJobAttachment => {
    if (attachment.contentBase64 === undefined) return attachment;
    if (attachment.contentBase64.length <= CONTENT_REF_THRESHOLD) return attachment;
    const { contentBase64, ...fields } = attachment;
    const ref = `${job.id}:${index}`;
    contents.push({ ref, base64: contentBase64 });
    return { ...fields, contentRef: ref };
  });
  return contents.length === 0 ? { job, contents } : { job: { ...job, attachments }, contents };
}

/** The content refs a stored job carries. */
export function contentRefsOf(data: unknown): string[] {
  const attachments = (data as { attachments?: unknown } | null)?.attachments;
  if (!Array.isArray(attachments)) return [];
  return attachments.flatMap((attachment: unknown) => {
    const ref = (attachment as { contentRef?: unknown } | null)?.contentRef;
    return typeof ref === 'string' ? [ref] : [];
  });
}
