/**
 * Private test support shared by the Mailroom packages' suites.
 * @packageDocumentation
 */

export { greylisting } from './greylisting.js';
export { type Certificate, createSelfSignedCertificate } from './self-signed-certificate.js';
export {
  type ReceivedMessage,
  type SmtpReply,
  type SmtpSink,
  type SmtpSinkOptions,
  startSmtpSink,
} from './smtp-sink.js';
