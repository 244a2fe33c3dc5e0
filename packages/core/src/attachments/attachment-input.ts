/** Bytes or text of an attachment. Strings are encoded as UTF-8. */
export type AttachmentContent = Uint8Array | string;

/** Fields every object form of an attachment may carry. */
export interface AttachmentCommonFields {
  /** File name shown to the recipient. */
  filename?: string;
  /** MIME type, `type/subtype`. Detected when absent. */
  contentType?: string;
  /** Embed in the body (use with `cid` and `<img src="cid:...">`). */
  inline?: boolean;
  /** Content-ID for inline parts. */
  cid?: string;
}

/** An attachment given as bytes or text. */
export interface ContentAttachment extends AttachmentCommonFields {
  /** The bytes, or text encoded as UTF-8. */
  content: AttachmentContent;
}

/** Every accepted attachment form. */
export type AttachmentInput = Uint8Array | ContentAttachment;
