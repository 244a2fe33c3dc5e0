import { AttachmentError, type AttachmentErrorCode } from '@mailroom/core';

/**
 * The {@link AttachmentError} behind nodemailer's ESTREAM, when a part's source failed
 * with one (a file changed since it was checked): nodemailer re-codes that very error
 * (`code` ESTREAM, its own kept as `originalCode`). It is given its own code back, so
 * the failure reads the same over SMTP as on any other backend.
 */
export function attachmentFailureOf(error: unknown): AttachmentError | undefined {
  if (!(error instanceof AttachmentError)) return undefined;
  const { originalCode } = error as { originalCode?: unknown };
  if (typeof originalCode !== 'string' || !originalCode.startsWith('ATTACHMENT_')) {
    return undefined;
  }
  return new AttachmentError(originalCode as AttachmentErrorCode, error.message, {
    details: error.details,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}
