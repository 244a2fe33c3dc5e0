import type { Readable } from 'node:stream';
import { type Agent, request } from 'undici';
import { AttachmentError, MailroomError } from '../errors.js';
import type { AttachmentLookup, LookupAddress } from './attachment-options.js';
import { checkUrlHost } from './check-url-host.js';
import { createPinnedAgent } from './create-pinned-agent.js';
import type { PrivateNetworkPolicy } from './guard-network-address.js';
import { parseMediaType } from './parse-media-type.js';
import { redactUrl } from './redact-url.js';
import type { SizeClaim } from './size-budget.js';

/** Redirects followed before a fetch fails. */
export const MAX_REDIRECTS = 5;
/** Longest wait for a TCP (and TLS) connection, within the total timeout. */
export const CONNECT_TIMEOUT_MS = 10_000;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** What {@link fetchUrlAttachment} needs to know. */
export interface FetchContext {
  /** `attachments[i]`, for errors. */
  field: string;
  /** Which non-public addresses may be reached. */
  policy: PrivateNetworkPolicy;
  /** Resolves host names. */
  lookup: AttachmentLookup;
  /** Total time for the fetch, redirects included. */
  timeoutMs: number;
  /** Cancels the fetch (another attachment of the message failed). */
  signal: AbortSignal;
  /** The attachment's share of the size limits. */
  claim: SizeClaim;
}

/** A downloaded URL attachment. */
export interface FetchedAttachment {
  /** The body, within the limits. */
  bytes: Uint8Array;
  /** The URL the body came from, after redirects. */
  finalUrl: URL;
  /** The server's Content-Type, when well formed. */
  contentType: string | undefined;
  /** The server's Content-Disposition header, if any. */
  contentDisposition: string | undefined;
}

type ResponseHeaders = Record<string, string | string[] | undefined>;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// The codings the body went through, other than identity, from every Content-Encoding
// field: a list may be split over several fields.
function contentCodings(headers: ResponseHeaders): string[] {
  const value = headers['content-encoding'];
  const fields = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return fields
    .flatMap((field) => field.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

function fetchFailed(
  field: string,
  url: URL,
  message: string,
  details: Record<string, unknown>,
  cause?: unknown,
): AttachmentError {
  return new AttachmentError('ATTACHMENT_FETCH_FAILED', `${field} ${redactUrl(url)}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { field, url: redactUrl(url), ...details },
  });
}

// undici reports a body destroyed before its end as an 'error' event: expected here.
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

// Counts while streaming, so that a server sending more than it announced, or no
// length at all, is cut off at the limit rather than buffered.
async function readBody(body: Readable, claim: SizeClaim): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  // The loop reports errors; this keeps one raised after it has let go from crashing.
  body.on('error', () => undefined);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    received += chunk.length;
    claim.grow(received, true);
    chunks.push(chunk);
  }
  claim.settle(received);
  return Buffer.concat(chunks, received);
}

function nextHop(current: URL, headers: ResponseHeaders, status: number, field: string): URL {
  const location = header(headers, 'location');
  if (location === undefined) {
    throw fetchFailed(field, current, `redirect ${status} without a Location`, { status });
  }
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw fetchFailed(field, current, `redirect to an invalid URL`, { status });
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new AttachmentError(
      'ATTACHMENT_URL_SCHEME',
      `${field} ${redactUrl(current)} redirects to a ${next.protocol} URL: only http: and https: are fetched`,
      { details: { field, url: redactUrl(current), scheme: next.protocol.slice(0, -1) } },
    );
  }
  if (next.username !== '' || next.password !== '') {
    throw fetchFailed(field, current, 'redirect to a URL with credentials', { status });
  }
  return next;
}

async function fetchFollowingRedirects(
  url: URL,
  headers: Readonly<Record<string, string>>,
  context: FetchContext,
  agent: Agent,
  pins: Map<string, readonly LookupAddress[]>,
): Promise<FetchedAttachment> {
  const { field, claim, signal } = context;
  let current = url;
  let hopHeaders = headers;
  for (let redirects = 0; ; redirects += 1) {
    const addresses = await checkUrlHost(current, context);
    if (addresses !== undefined) pins.set(current.hostname, addresses);
    const response = await request(current, {
      dispatcher: agent,
      method: 'GET',
      // identity: a size cap on compressed bytes would not bound what they inflate to.
      headers: { ...hopHeaders, 'accept-encoding': 'identity' },
      signal,
    });
    const { statusCode: status } = response;
    const responseHeaders = response.headers as ResponseHeaders;
    if (REDIRECTS.has(status)) {
      discard(response.body);
      if (redirects === MAX_REDIRECTS) {
        throw fetchFailed(field, url, `more than ${MAX_REDIRECTS} redirects`, {
          reason: 'redirects',
          limit: MAX_REDIRECTS,
        });
      }
      const next = nextHop(current, responseHeaders, status, field);
      // The caller's headers (credentials, often) go to the URL's own origin only.
      if (next.origin !== current.origin) hopHeaders = {};
      current = next;
      continue;
    }
    if (status < 200 || status > 299) {
      discard(response.body);
      throw fetchFailed(field, current, `the server answered ${status}`, { status });
    }
    const codings = contentCodings(responseHeaders);
    if (codings.length > 0) {
      discard(response.body);
      throw fetchFailed(field, current, `the server sent ${codings.join(', ')}-encoded content`, {
        status,
        reason: 'content-encoding',
      });
    }
    const length = header(responseHeaders, 'content-length');
    if (length !== undefined && /^\d+$/.test(length)) {
      try {
        claim.grow(Number(length));
      } catch (error) {
        discard(response.body);
        throw error;
      }
    }
    const bytes = await readBody(response.body, claim);
    const type = header(responseHeaders, 'content-type');
    return {
      bytes,
      finalUrl: current,
      contentType: type === undefined ? undefined : parseMediaType(type),
      contentDisposition: header(responseHeaders, 'content-disposition'),
    };
  }
}

/**
 * Downloads a URL attachment with undici: every hop's host checked before it is
 * connected to (and connected to only at the checked addresses), redirects followed
 * by hand up to {@link MAX_REDIRECTS}, `accept-encoding: identity`, the size limits
 * enforced from Content-Length and while streaming, a connect timeout and a total
 * timeout. Failures are `ATTACHMENT_FETCH_FAILED` with the status or cause; a
 * cancellation through `context.signal` rejects with the signal's reason.
 */
export async function fetchUrlAttachment(
  url: URL,
  headers: Readonly<Record<string, string>>,
  context: FetchContext,
): Promise<FetchedAttachment> {
  const { field, timeoutMs } = context;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([context.signal, timeout]);
  const pins = new Map<string, readonly LookupAddress[]>();
  const agent = createPinnedAgent(pins, {
    connectMs: Math.min(CONNECT_TIMEOUT_MS, timeoutMs),
    totalMs: timeoutMs,
  });
  try {
    return await fetchFollowingRedirects(url, headers, { ...context, signal }, agent, pins);
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    if (error instanceof MailroomError) throw error;
    const code = (error as { code?: unknown }).code;
    if (timeout.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
      throw fetchFailed(
        field,
        url,
        timeout.aborted ? `timed out after ${timeoutMs} ms` : `timed out (${String(code)})`,
        { reason: 'timeout', timeoutMs },
        error,
      );
    }
    const reason =
      typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    throw fetchFailed(field, url, `${message} (${reason})`, { reason }, error);
  } finally {
    await agent.destroy();
  }
}
