import type { CheckedFile } from './stream-checked-file.js';

/**
 * Where a resolved attachment's bytes live. Bytes are held in memory; a file is
 * streamed from disk by the backend when the message is composed (the file that was
 * checked, and no other); a stream is read
 * from wherever `open` gets it (a queue's content store, for a job whose attachment
 * travelled outside the job).
 */
export type AttachmentSource =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | ({ readonly kind: 'file' } & CheckedFile)
  | {
      readonly kind: 'stream';
      /**
       * Starts a fresh read of the bytes, exactly the attachment's `size` of them. Called
       * once per composition of the message (a backend's retry composes it again), and
       * only when the composer reaches this part.
       */
      readonly open: () => AsyncIterable<Uint8Array>;
    };

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
