import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as network-order bytes: 4 of them for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** A CIDR range, such as `10.0.0.0/8` or `fc00::/7`. */
export interface IpRange {
  /** The network address. */
  bytes: IpBytes;
  /** Prefix length in bits. */
  prefix: number;
}

function parseIpv4(text: string): IpBytes {
  return Uint8Array.from(text.split('.'), Number);
}

function parseIpv6(text: string): IpBytes {
  const bytes = new Uint8Array(16);
  // A trailing dotted quad (`::ffff:1.2.3.4`) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let body = text;
  let ipv4Tail: IpBytes | undefined;
  if (tail.includes('.')) {
    ipv4Tail = parseIpv4(tail);
    body = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const groups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const front = groups(head);
  const back = rest === undefined ? [] : groups(rest);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  if (ipv4Tail !== undefined) bytes.set(ipv4Tail, 12);
  return bytes;
}

/**
 * Parses an IPv4 address in dotted-decimal form or an IPv6 address (brackets and a
 * zone index such as `%eth0` are ignored). Returns undefined for anything else,
 * host names included.
 */
export function parseIpAddress(text: string): IpBytes | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return parseIpv4(bare);
  const withoutZone = bare.split('%')[0] ?? '';
  if (isIPv6(withoutZone)) return parseIpv6(withoutZone);
  return undefined;
}

/** Parses `address` or `address/prefix`; a bare address is a range of one. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const bytes = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (bytes === undefined) return undefined;
  const bits = bytes.length * 8;
  if (slash === -1) return { bytes, prefix: bits };
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) return undefined;
  return { bytes, prefix };
}

/** True when `address` lies in `range` (same family, same leading `prefix` bits). */
export function isInIpRange(address: IpBytes, range: IpRange): boolean {
  if (address.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const index = bit / 8;
    const left = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    if (((address[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}
