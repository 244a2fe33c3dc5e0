import type { Address } from './address.js';

/** Recipients split by field after deduplication. */
export interface DedupedRecipients {
  to: Address[];
  cc: Address[];
  bcc: Address[];
}

/**
 * Removes repeated recipients across to, cc and bcc, case-insensitively, keeping the
 * first spelling and order, with precedence to > cc > bcc: an address in `to` is
 * dropped from cc and bcc, one in `cc` from bcc.
 */
export function dedupeRecipients(recipients: DedupedRecipients): DedupedRecipients {
  const seen = new Set<string>();
  const keep = (list: Address[]): Address[] =>
    list.filter(({ address }) => {
      const key = address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { to: keep(recipients.to), cc: keep(recipients.cc), bcc: keep(recipients.bcc) };
}
