import { AttachmentError, MailroomError, ValidationError } from '@mailroom/core';

/** Why an attempt failed, in a form fit for logs and job records. */
export interface JobFailure {
  /** Mailroom error code (`DELIVERY_TEMPORARY`, `DELIVERY_PERMANENT`, …) or `ERROR`. */
  code: string;
  /** SMTP reply code, when the server answered. */
  responseCode?: number;
  /** What went wrong, for people. */
  message: string;
  /** True when retrying cannot help: the job fails at once. */
  permanent: boolean;
}

/** What became of one job attempt, reported to `onJob` and printed by the CLI. */
export type JobOutcome =
  | {
      status: 'sent';
      jobId: string;
      /** Attempts made, this one included. */
      attempt: number;
      messageId: string;
      accepted: string[];
      rejected: string[];
    }
  | {
      status: 'retry';
      jobId: string;
      /** The attempt that failed, from 1. */
      attempt: number;
      attempts: number;
      /** Wait before the next attempt, in ms. */
      delayMs: number;
      failure: JobFailure;
    }
  | { status: 'failed'; jobId: string; attempt: number; attempts: number; failure: JobFailure }
  | {
      /** A job whose worker stopped renewing its lock (it crashed): it runs again. */
      status: 'stalled';
      jobId: string;
    };

/**
 * Classifies an error thrown while delivering a job. Permanent: a `DELIVERY_PERMANENT`
 * reply (5xx), any `ValidationError` (an unreadable job) and any `AttachmentError` (its
 * stored content gone). Everything else, unknown errors included, is worth another
 * attempt.
 */
export function describeFailure(error: unknown): JobFailure {
  if (error instanceof MailroomError) {
    const { responseCode } = error.details;
    return {
      code: error.code,
      ...(typeof responseCode === 'number' ? { responseCode } : {}),
      message: error.message,
      permanent:
        error.code === 'DELIVERY_PERMANENT' ||
        error instanceof ValidationError ||
        error instanceof AttachmentError,
    };
  }
  return {
    code: 'ERROR',
    message: error instanceof Error ? error.message : String(error),
    permanent: false,
  };
}

/** The one-line reason kept in the job record: `DELIVERY_PERMANENT 550 <message>`. */
export function failureReason(failure: JobFailure): string {
  const code = failure.responseCode === undefined ? '' : ` ${failure.responseCode}`;
  return `${failure.code}${code} ${failure.message}`;
}
