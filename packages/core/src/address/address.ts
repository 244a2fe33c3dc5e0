/** A mailbox: an address with an optional display name. */
export interface Address {
  /** The address itself, `local@domain`. */
  address: string;
  /** Display name, such as `Alice Example`. */
  name?: string;
}

/**
 * A recipient or sender as callers may give it: `"alice@example.com"`,
 * `"Alice <alice@example.com>"`, `'"Doe, Jane" <jane@example.com>'` or an {@link Address}.
 * A string holds exactly one mailbox; pass an array for several.
 */
export type AddressInput = string | Address;

/** One or many {@link AddressInput}s. */
export type AddressListInput = AddressInput | readonly AddressInput[];
