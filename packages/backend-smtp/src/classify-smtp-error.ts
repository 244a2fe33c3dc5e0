import { DeliveryError } from '@mailroom/core';
import { isStreamReread } from './is-stream-reread.js';

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

// A certificate the client refuses is a configuration fault; a retry meets the same
// certificate. Node reports these as the socket error's original code.
const CERTIFICATE_ERROR =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

// OpenSSL's own errors: the two sides do not speak the same TLS (implicit TLS against a
// plain-text port, no shared protocol version or cipher), which a retry meets again.
const TLS_MISMATCH = /^ERR_SSL_/;

// A streamed part whose source was briefly away: Mailroom's worker reports a datastore
// failure while reading stored content so, and nodemailer keeps that code as the
// original one under its ESTREAM.
const STREAM_SOURCE_AWAY = 'DELIVERY_TEMPORARY';

interface NodemailerErrorFields {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * Maps a nodemailer error to a {@link DeliveryError}: 4xx replies and network failures
 * are `DELIVERY_TEMPORARY`; 5xx replies and problems retrying cannot fix (bad
 * credentials, a refused certificate or TLS handshake, a rejected envelope, an
 * attachment whose file is gone) are `DELIVERY_PERMANENT`. The SMTP
 * reply code and text are kept in `details`.
 */
export function classifySmtpError(error: unknown): DeliveryError {
  const fields = (error ?? {}) as NodemailerErrorFields;
  const reason = error instanceof Error ? error.message : String(error);
  const { responseCode, response, command, code, originalCode } = fields;
  const details = {
    ...(responseCode === undefined ? {} : { responseCode }),
    ...(response === undefined ? {} : { response }),
    ...(command === undefined ? {} : { command }),
    ...(code === undefined ? {} : { smtpCode: code }),
    ...(originalCode === undefined ? {} : { socketCode: originalCode }),
  };
  const tlsRefused =
    originalCode !== undefined &&
    (CERTIFICATE_ERROR.test(originalCode) || TLS_MISMATCH.test(originalCode));
  // A part offered twice after a dropped connection reads anew in a fresh composition.
  const temporary =
    responseCode !== undefined
      ? responseCode < 500
      : !tlsRefused &&
        (code === undefined ||
          TEMPORARY_CODES.has(code) ||
          isStreamReread(error) ||
          (code === 'ESTREAM' && originalCode === STREAM_SOURCE_AWAY));
  return new DeliveryError(
    temporary ? 'DELIVERY_TEMPORARY' : 'DELIVERY_PERMANENT',
    `SMTP delivery failed: ${reason}`,
    { cause: error, details },
  );
}
