import { domainToASCII } from 'node:url';

// RFC 5322 dot-atom text: atext runs separated by single dots.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Checks `local@domain` and returns it with the domain in ASCII (IDNA/punycode)
 * form, or returns a reason it is invalid.
 *
 * Accepted: a dot-atom local part (ASCII; quoted local parts and address literals are
 * refused as they are almost always mistakes or attacks) and a domain of at least two
 * labels, internationalised domains included.
 */
export function validateAddress(
  address: string,
): { ok: true; address: string } | { ok: false; reason: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { ok: false, reason: 'it is not local@domain' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64)
    return { ok: false, reason: 'the local part is longer than 64 characters' };
  if (!DOT_ATOM.test(local)) return { ok: false, reason: 'the local part has invalid characters' };
  if (domain.startsWith('[')) return { ok: false, reason: 'address literals are not accepted' };
  const asciiDomain = domainToASCII(domain.toLowerCase());
  if (asciiDomain === '') return { ok: false, reason: 'the domain is not a valid domain name' };
  const labels = asciiDomain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    return { ok: false, reason: 'the domain is not a valid domain name' };
  }
  if (/^[0-9]+$/.test(labels.at(-1) ?? '')) {
    return { ok: false, reason: 'the domain is not a valid domain name' };
  }
  const normalised = `${local}@${asciiDomain}`;
  if (normalised.length > 254) return { ok: false, reason: 'it is longer than 254 characters' };
  return { ok: true, address: normalised };
}
