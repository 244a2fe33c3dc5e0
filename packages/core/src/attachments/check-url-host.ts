import { lookup as dnsLookup } from 'node:dns/promises';
import { AttachmentError } from '../errors.js';
import type { AttachmentLookup, LookupAddress } from './attachment-options.js';
import { type PrivateNetworkPolicy, refusedAddressKind } from './guard-network-address.js';
import { parseIpAddress } from './parse-ip-address.js';
import { redactUrl } from './redact-url.js';

/** The system resolver, every address of the host. */
export const systemLookup: AttachmentLookup = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

/** What {@link checkUrlHost} needs to know. */
export interface HostCheckContext {
  /** `attachments[i]`, for errors. */
  field: string;
  /** Which non-public addresses may be reached. */
  policy: PrivateNetworkPolicy;
  /** Resolves host names. */
  lookup: AttachmentLookup;
  /** Aborts a pending lookup. */
  signal: AbortSignal;
}

function fetchFailed(
  context: HostCheckContext,
  url: URL,
  message: string,
  details: object,
  cause?: unknown,
) {
  return new AttachmentError(
    'ATTACHMENT_FETCH_FAILED',
    `${context.field} ${redactUrl(url)}: ${message}`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { field: context.field, url: redactUrl(url), ...details },
    },
  );
}

function assertAllowed(url: URL, address: string, context: HostCheckContext): LookupAddress {
  const bytes = parseIpAddress(address);
  if (bytes === undefined) {
    throw fetchFailed(
      context,
      url,
      `the lookup returned ${JSON.stringify(address)}, not an IP address`,
      {
        reason: 'lookup',
      },
    );
  }
  const kind = refusedAddressKind(bytes, context.policy);
  if (kind !== undefined) {
    const { field } = context;
    throw new AttachmentError(
      'ATTACHMENT_URL_BLOCKED',
      `${field} ${redactUrl(url)} leads to ${address}, a ${kind} address: URL attachments may only reach public addresses (see attachments.allowPrivateNetworks)`,
      { details: { field, url: redactUrl(url), host: url.hostname, address, kind } },
    );
  }
  return { address, family: bytes.length === 4 ? 4 : 6 };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Checks where a URL leads before anything connects there. An IP-literal host
 * (WHATWG URL parsing has already turned `2130706433` or `0x7f.1` into dotted form)
 * is checked as is, and undefined is returned; a host name is resolved and every
 * address checked, and the checked addresses are returned for the connection to
 * use. Throws `ATTACHMENT_URL_BLOCKED` for a refused address, `ATTACHMENT_FETCH_FAILED`
 * when the name does not resolve.
 */
export async function checkUrlHost(
  url: URL,
  context: HostCheckContext,
): Promise<LookupAddress[] | undefined> {
  const { hostname } = url;
  if (parseIpAddress(hostname) !== undefined) {
    assertAllowed(url, hostname.replace(/^\[|\]$/g, ''), context);
    return undefined;
  }
  let answers: readonly LookupAddress[];
  try {
    answers = await abortable(context.lookup(hostname), context.signal);
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    throw fetchFailed(
      context,
      url,
      `${hostname} does not resolve (${code})`,
      { reason: code },
      error,
    );
  }
  if (!Array.isArray(answers) || answers.length === 0) {
    throw fetchFailed(context, url, `${hostname} resolves to no address`, { reason: 'lookup' });
  }
  return answers.map((answer) => assertAllowed(url, String(answer?.address), context));
}
