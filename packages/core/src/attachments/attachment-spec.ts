/** Where a validated attachment input says its content comes from. */
export type AttachmentSourceSpec =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'base64'; readonly base64: string }
  | { readonly kind: 'data-url'; readonly dataUrl: string }
  | { readonly kind: 'path'; readonly path: string }
  | {
      readonly kind: 'url';
      readonly url: URL;
      readonly headers: Readonly<Record<string, string>>;
    };

/**
 * An attachment input after its form and fields were checked, before any file is
 * opened or URL fetched.
 */
export interface AttachmentSpec {
  /** 0-based position in the message's `attachments`. */
  readonly index: number;
  /** `attachments[i]`, for errors about the attachment as a whole. */
  readonly field: string;
  /** The field holding the source value, such as `attachments[i].contentBase64`. */
  readonly sourceField: string;
  /** Where the content comes from. */
  readonly source: AttachmentSourceSpec;
  /** The caller's file name, already reduced to a safe base name. */
  readonly filename?: string;
  /** The caller's content type, already validated and normalised. */
  readonly contentType?: string;
  /** Embedded in the body. */
  readonly inline: boolean;
  /** Content-ID. */
  readonly cid?: string;
}
