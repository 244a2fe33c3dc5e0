/** One attachment's content to store: its base64 text, under the ref the job will carry. */
export interface StoredContent {
  /** The `contentRef` the job carries: `<email id>:<attachment index>`. */
  ref: string;
  /** The bytes, base64-encoded, as the job would have held them. */
  base64: string;
}

/**
 * Where a queue keeps large attachment content outside its jobs, so that a worker can
 * stream it instead of holding the whole job in memory. Content is named by the queue
 * and the email (see {@link StoredContent.ref}); it expires on its own, and the worker
 * deletes it once the email is sent.
 */
export interface AttachmentContentStore {
  /** Stores every entry, each to expire after `ttlMs`. Throws when any was not stored. */
  put(entries: readonly StoredContent[], ttlMs: number): Promise<void>;
  /**
   * Whether the content under `ref` is there, unexpired, and holds `size` decoded
   * bytes: a worker checks before it starts to send.
   */
  has(ref: string, size: number): Promise<boolean>;
  /** Streams the decoded bytes under `ref` (`size` of them) a piece at a time. */
  read(ref: string, size: number): AsyncIterable<Uint8Array>;
  /**
   * Makes the content under each ref (where still there) expire `ttlMs` from now.
   * Content past its expiry but not yet purged (PostgreSQL) counts as still there.
   */
  extend(refs: readonly string[], ttlMs: number): Promise<void>;
  /** Deletes the content under each ref; missing ones are ignored. */
  delete(refs: readonly string[]): Promise<void>;
  /** Deletes all content of the queue (its `obliterate`). */
  deleteAll(): Promise<void>;
}
