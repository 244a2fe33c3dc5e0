/**
 * Where a resolved attachment's bytes live. Bytes are held in memory; a file is
 * streamed from disk by the backend when the message is composed.
 */
export type AttachmentSource =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'file'; readonly path: string };

/** An attachment after validation: named, typed, sized and within the limits. */
export interface ResolvedAttachment {
  /** File name shown to the recipient. */
  filename: string;
  /** MIME type, `type/subtype`. */
  contentType: string;
  /** Size in bytes. */
  size: number;
  /** True for parts embedded in the HTML body. */
  inline: boolean;
  /** Content-ID for inline parts. */
  cid?: string;
  /** Where the bytes are. */
  source: AttachmentSource;
}
