/** Bytes or text of an attachment. Strings are encoded as UTF-8. */
export type AttachmentContent = Uint8Array | string;

/** Fields every object form of an attachment may carry. */
export interface AttachmentCommonFields {
  /**
   * File name shown to the recipient. Path separators are reduced to the base name;
   * CR, LF and NUL are refused. Derived from the path, URL or server when absent.
   */
  filename?: string;
  /** MIME type, `type/subtype` with optional parameters. Detected when absent. */
  contentType?: string;
  /**
   * Embed in the body rather than offer as a download. Defaults to true when `cid`
   * is set, false otherwise.
   */
  inline?: boolean;
  /** Content-ID, for `<img src="cid:...">` in the HTML body. Unique within a message. */
  cid?: string;
}

/** A file on disk. It is checked when the message is resolved and streamed when sent. */
export interface PathAttachment extends AttachmentCommonFields {
  /** Absolute, or relative to the working directory. */
  path: string;
  url?: never;
  content?: never;
  contentBase64?: never;
}

/** A document fetched over http(s), or a `data:` URL decoded in place. */
export interface UrlAttachment extends AttachmentCommonFields {
  /** An `http:`, `https:` or `data:` URL. */
  url: string | URL;
  /**
   * Extra request headers, such as `authorization`. Sent to the URL's own origin only,
   * never to another origin a redirect leads to.
   */
  headers?: Readonly<Record<string, string>>;
  path?: never;
  content?: never;
  contentBase64?: never;
}

/** An attachment given as bytes or text. */
export interface ContentAttachment extends AttachmentCommonFields {
  /** The bytes, or text encoded as UTF-8. */
  content: AttachmentContent;
  path?: never;
  url?: never;
  contentBase64?: never;
}

/** An attachment given as base64. Whitespace and line breaks are allowed; nothing else is. */
export interface Base64Attachment extends AttachmentCommonFields {
  /** Standard base64 (RFC 4648 section 4), padded or not. */
  contentBase64: string;
  path?: never;
  url?: never;
  content?: never;
}

/** `[filename, content, contentType?]`: content is bytes, or text encoded as UTF-8. */
export type AttachmentTuple = readonly [
  filename: string,
  content: AttachmentContent,
  contentType?: string,
];

/**
 * Every accepted attachment form:
 * - a string: a file path, an `http(s):` URL or a `data:` URL;
 * - a `URL` object: fetched (or decoded, for `data:`);
 * - a `Uint8Array` or `Buffer`: bytes named `attachment-{n}.bin`;
 * - an object with exactly one of `path`, `url`, `content` or `contentBase64`;
 * - a tuple `[filename, content, contentType?]`.
 */
export type AttachmentInput =
  | string
  | URL
  | Uint8Array
  | PathAttachment
  | UrlAttachment
  | ContentAttachment
  | Base64Attachment
  | AttachmentTuple;
