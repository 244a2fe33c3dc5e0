import { ValidationError } from '../errors.js';
import type { AttachmentInput } from './attachment-input.js';
import {
  type AttachmentOptions,
  DEFAULT_ATTACHMENT_TIMEOUT_MS,
  DEFAULT_MAX_ATTACHMENT_BYTES,
} from './attachment-options.js';
import { systemLookup } from './check-url-host.js';
import { parsePrivateNetworkPolicy } from './guard-network-address.js';
import { mapConcurrently } from './map-concurrently.js';
import { normalizeAttachmentInputs } from './normalize-attachment-input.js';
import { resolveSingleAttachment } from './resolve-single-attachment.js';
import type { ResolvedAttachment } from './resolved-attachment.js';
import { SizeBudget } from './size-budget.js';

/**
 * Attachments of one message resolved at once: enough to overlap slow downloads,
 * few enough to bound open sockets and descriptors. Memory is bounded by the size
 * limits, not by this.
 */
export const ATTACHMENT_CONCURRENCY = 8;

/**
 * Validates and resolves every attachment of a message within the configured rules
 * and limits. Every input's form is checked first, in order; then files are checked
 * (not read: they are streamed at send time), base64 and `data:` URLs decoded and
 * URLs fetched, {@link ATTACHMENT_CONCURRENCY} at a time. The first failure cancels
 * the rest (in-flight downloads are aborted) and is thrown: an `AttachmentError`,
 * or a `ValidationError` for an unsafe file name, naming the attachment's position.
 * Aborting `signal` cancels the same way and rejects with its reason.
 */
export async function resolveAttachments(
  inputs: readonly AttachmentInput[] | undefined,
  options: AttachmentOptions = {},
  signal?: AbortSignal,
): Promise<ResolvedAttachment[]> {
  if (inputs === undefined) return [];
  if (!Array.isArray(inputs)) {
    throw new ValidationError('INVALID_INPUT', 'attachments must be an array', {
      details: { field: 'attachments' },
    });
  }
  const specs = normalizeAttachmentInputs(inputs);
  if (specs.length === 0) return [];
  const context = {
    budget: new SizeBudget(options.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES, options.maxTotalBytes),
    allowedDirs: options.allowedDirs,
    policy: parsePrivateNetworkPolicy(options.allowPrivateNetworks),
    lookup: options.lookup ?? systemLookup,
    timeoutMs: options.timeoutMs ?? DEFAULT_ATTACHMENT_TIMEOUT_MS,
  };
  return mapConcurrently(
    specs,
    ATTACHMENT_CONCURRENCY,
    (spec, taskSignal) => resolveSingleAttachment(spec, context, taskSignal),
    signal,
  );
}
