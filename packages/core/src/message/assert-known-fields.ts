import { ValidationError } from '../errors.js';
import type { SendEmailInput } from './send-email-input.js';

// Every field of SendEmailInput; the type makes the compiler keep the list complete.
const FIELDS: Record<keyof SendEmailInput, true> = {
  to: true,
  cc: true,
  bcc: true,
  replyTo: true,
  from: true,
  subject: true,
  text: true,
  html: true,
  markdown: true,
  template: true,
  context: true,
  headers: true,
  attachments: true,
  failSilently: true,
  background: true,
  priority: true,
  delay: true,
  idempotencyKey: true,
};
const KNOWN = new Set(Object.keys(FIELDS));

/**
 * Refuses a field that {@link SendEmailInput} does not have, naming it with
 * `INVALID_INPUT`: a typo (`bbc`, `dealy`) would otherwise drop a recipient or send a
 * delayed email now. A field set to `undefined` is ignored, as everywhere else.
 */
export function assertKnownFields(input: object): void {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || KNOWN.has(key)) continue;
    throw new ValidationError(
      'INVALID_INPUT',
      `unknown field ${JSON.stringify(key)}: an email takes ${[...KNOWN].join(', ')}`,
      { details: { field: key } },
    );
  }
}
