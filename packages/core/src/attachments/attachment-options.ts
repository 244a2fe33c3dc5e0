/** One address a host name resolves to. */
export interface LookupAddress {
  /** The IP address, such as `93.184.216.34` or `2606:2800:220:1::`. */
  address: string;
  /** 4 or 6. */
  family: number;
}

/**
 * Resolves a host name for URL attachments. Every address returned is checked, and
 * the connection goes only to the checked addresses.
 */
export type AttachmentLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

/** Limits and rules for attachments, from `createMailer({ attachments })`. */
export interface AttachmentOptions {
  /** Largest single attachment in bytes. Default 25 MiB. */
  maxBytes?: number;
  /** Largest sum of all attachments of one message in bytes. Default: unlimited beyond `maxBytes` each. */
  maxTotalBytes?: number;
  /** When set, file attachments must lie inside one of these directories (symlinks resolved). */
  allowedDirs?: readonly string[];
  /**
   * URL attachments may not reach loopback, private, link-local, carrier-grade NAT or
   * other non-public addresses unless this allows them: `true` allows all of them
   * (development and tests only), a list allows only the addresses and CIDR ranges it
   * names, such as `['10.1.2.3', '192.168.7.0/24']`. Unspecified, multicast and
   * broadcast addresses are never fetched.
   */
  allowPrivateNetworks?: boolean | readonly string[];
  /** Total time allowed to fetch one URL attachment, redirects included, in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /**
   * Resolves host names of URL attachments instead of the system resolver
   * (`dns.lookup`). Meant for tests and special resolvers; its answers are checked
   * like any other.
   */
  lookup?: AttachmentLookup;
}

/** Default largest single attachment: 25 MiB. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Default total time to fetch one URL attachment: 30 s. */
export const DEFAULT_ATTACHMENT_TIMEOUT_MS = 30_000;
