import { basename } from 'node:path';
import type { AttachmentLookup } from './attachment-options.js';
import type { AttachmentSpec } from './attachment-spec.js';
import { decodeBase64 } from './decode-base64.js';
import { decodeDataUrl } from './decode-data-url.js';
import { detectContentType } from './detect-content-type.js';
import { fetchUrlAttachment } from './fetch-url-attachment.js';
import type { PrivateNetworkPolicy } from './guard-network-address.js';
import { fallbackFilename, filenameFromUrl, sanitizeFilename } from './name-attachment.js';
import { filenameFromContentDisposition } from './parse-content-disposition.js';
import { readFileAttachment } from './read-file-attachment.js';
import type { AttachmentSource, ResolvedAttachment } from './resolved-attachment.js';
import type { SizeBudget } from './size-budget.js';
import { MAGIC_BYTES_LENGTH } from './sniff-magic-bytes.js';

/** The rules every attachment of one message is resolved under. */
export interface ResolveContext {
  /** The message's size limits. */
  budget: SizeBudget;
  /** When set, file attachments must lie inside these directories. */
  allowedDirs: readonly string[] | undefined;
  /** Which non-public addresses URL attachments may reach. */
  policy: PrivateNetworkPolicy;
  /** Resolves host names of URL attachments. */
  lookup: AttachmentLookup;
  /** Total time to fetch one URL attachment. */
  timeoutMs: number;
}

/** What the content itself says about an attachment's name and type. */
interface Loaded {
  source: AttachmentSource;
  size: number;
  head: Uint8Array;
  derivedName?: string | undefined;
  declared?: string | undefined;
  fromText?: boolean;
}

function inMemory(bytes: Uint8Array, extra: Partial<Loaded> = {}): Loaded {
  return {
    source: { kind: 'bytes', bytes },
    size: bytes.byteLength,
    head: bytes.subarray(0, MAGIC_BYTES_LENGTH),
    ...extra,
  };
}

async function load(
  spec: AttachmentSpec,
  context: ResolveContext,
  signal: AbortSignal,
): Promise<Loaded> {
  const { source, field, sourceField } = spec;
  const claim = context.budget.claim(field);
  const grow = (size: number): void => claim.grow(size);
  switch (source.kind) {
    case 'bytes':
      grow(source.bytes.byteLength);
      return inMemory(source.bytes);
    case 'text':
      grow(Buffer.byteLength(source.text, 'utf8'));
      return inMemory(Buffer.from(source.text, 'utf8'), { fromText: true });
    case 'base64':
      return inMemory(decodeBase64(source.base64, sourceField, grow));
    case 'data-url': {
      const { bytes, mediaType } = decodeDataUrl(source.dataUrl, sourceField, grow);
      return inMemory(bytes, { declared: mediaType });
    }
    case 'path': {
      const facts = await readFileAttachment(source.path, {
        field,
        allowedDirs: context.allowedDirs,
        claim,
      });
      return {
        source: { kind: 'file', path: facts.realPath, dev: facts.dev, ino: facts.ino },
        size: facts.size,
        head: facts.head,
        // The name as given, not the symlink target's: `latest.pdf` stays `latest.pdf`.
        derivedName: sanitizeFilename(basename(source.path), `${field}.filename`),
      };
    }
    case 'url': {
      const fetched = await fetchUrlAttachment(source.url, source.headers, {
        field,
        policy: context.policy,
        lookup: context.lookup,
        timeoutMs: context.timeoutMs,
        signal,
        claim,
      });
      const disposition =
        fetched.contentDisposition === undefined
          ? undefined
          : filenameFromContentDisposition(fetched.contentDisposition);
      return inMemory(fetched.bytes, {
        declared: fetched.contentType,
        derivedName:
          (disposition === undefined
            ? undefined
            : sanitizeFilename(disposition, `${field}.filename`)) ??
          filenameFromUrl(fetched.finalUrl, `${field}.filename`),
      });
    }
  }
}

/**
 * Resolves one checked attachment: reads, decodes or fetches its content within the
 * limits (a file is only checked, to be streamed at send time), then names it
 * (explicit name, else the path's base name, the server's Content-Disposition name
 * or the URL's last path segment, else `attachment-{n}.bin`) and types it.
 */
export async function resolveSingleAttachment(
  spec: AttachmentSpec,
  context: ResolveContext,
  signal: AbortSignal,
): Promise<ResolvedAttachment> {
  const loaded = await load(spec, context, signal);
  const name = spec.filename ?? loaded.derivedName;
  const contentType = detectContentType({
    explicit: spec.contentType,
    head: loaded.head,
    declared: loaded.declared,
    filename: name,
    fromText: loaded.fromText === true,
  });
  return {
    filename: name ?? fallbackFilename(spec.index),
    contentType,
    size: loaded.size,
    inline: spec.inline,
    ...(spec.cid === undefined ? {} : { cid: spec.cid }),
    source: loaded.source,
  };
}
