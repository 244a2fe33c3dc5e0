/** Limits and rules for attachments, from `createMailer({ attachments })`. */
export interface AttachmentOptions {
  /** Largest single attachment in bytes. Default 25 MiB. */
  maxBytes?: number;
  /** Largest sum of all attachments of one message in bytes. Default: unlimited beyond `maxBytes` each. */
  maxTotalBytes?: number;
  /** When set, file attachments must lie inside one of these directories (symlinks resolved). */
  allowedDirs?: readonly string[];
  /** Allow URL attachments from loopback and private networks (development and tests only). */
  allowPrivateNetworks?: boolean;
  /** Total time allowed to fetch one URL attachment, in milliseconds. Default 30 s. */
  timeoutMs?: number;
}

/** Default largest single attachment: 25 MiB. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
