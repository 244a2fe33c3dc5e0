import { DeliveryError } from '@mailroom/core';

// Failures without an SMTP reply that a later attempt may not hit: the network or the
// server was briefly away.
const TEMPORARY_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPROTOCOL',
]);

interface NodemailerErrorFields {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * Maps a nodemailer error to a {@link DeliveryError}: 4xx replies and network failures
 * are `DELIVERY_TEMPORARY`; 5xx replies and problems retrying cannot fix (bad
 * credentials, TLS refused, a rejected envelope) are `DELIVERY_PERMANENT`. The SMTP
 * reply code and text are kept in `details`.
 */
export function classifySmtpError(error: unknown): DeliveryError {
  const fields = (error ?? {}) as NodemailerErrorFields;
  const reason = error instanceof Error ? error.message : String(error);
  const { responseCode, response, command, code } = fields;
  const details = {
    ...(responseCode === undefined ? {} : { responseCode }),
    ...(response === undefined ? {} : { response }),
    ...(command === undefined ? {} : { command }),
    ...(code === undefined ? {} : { smtpCode: code }),
  };
  const temporary =
    responseCode !== undefined
      ? responseCode < 500
      : code === undefined || TEMPORARY_CODES.has(code);
  return new DeliveryError(
    temporary ? 'DELIVERY_TEMPORARY' : 'DELIVERY_PERMANENT',
    `SMTP delivery failed: ${reason}`,
    { cause: error, details },
  );
}
