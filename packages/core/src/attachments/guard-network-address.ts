import { ConfigError } from '../errors.js';
import { type IpBytes, type IpRange, isInIpRange, parseIpRange } from './parse-ip-address.js';

/** Why an address is not a public unicast destination. */
export type NonPublicAddressKind =
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade-nat'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

/**
 * Which non-public addresses URL attachments may reach: none (`false`), all but the
 * never-fetchable kinds (`true`), or those inside the listed ranges.
 */
export type PrivateNetworkPolicy = boolean | readonly IpRange[];

// Never a meaningful fetch target, whatever the policy: 0.0.0.0 and :: even reach
// the local host on Linux.
const NEVER_ALLOWED: ReadonlySet<NonPublicAddressKind> = new Set([
  'unspecified',
  'multicast',
  'broadcast',
]);

function table(entries: ReadonlyArray<[string, NonPublicAddressKind]>) {
  return entries.map(([cidr, kind]) => ({ range: parseIpRange(cidr) as IpRange, kind }));
}

// IANA IPv4 special-purpose registry; the first match wins.
const IPV4 = table([
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade-nat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

// IPv6 is checked as an allow-list: only global unicast (2000::/3) can be public,
// minus the special blocks inside it. 64:ff9b::/96 (NAT64) is judged by the IPv4
// address it embeds, so IPv6-only networks with DNS64 keep working; so is an
// IPv4-mapped address (::ffff:0:0/96), which a connection reaches as that IPv4 address.
const NAT64 = parseIpRange('64:ff9b::/96') as IpRange;
const IPV4_MAPPED = parseIpRange('::ffff:0:0/96') as IpRange;
const GLOBAL_UNICAST = parseIpRange('2000::/3') as IpRange;
const IPV6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  // Teredo, ORCHID and other IETF protocol assignments; 6to4 embeds any IPv4 address.
  ['2001::/23', 'reserved'],
  ['2002::/16', 'reserved'],
]);

/** Classifies an address: undefined for a public unicast address, else what it is. */
export function classifyAddress(address: IpBytes): NonPublicAddressKind | undefined {
  if (address.length === 4) return IPV4.find(({ range }) => isInIpRange(address, range))?.kind;
  if (isInIpRange(address, NAT64) || isInIpRange(address, IPV4_MAPPED)) {
    return classifyAddress(address.subarray(12));
  }
  const special = IPV6.find(({ range }) => isInIpRange(address, range))?.kind;
  if (special !== undefined) return special;
  return isInIpRange(address, GLOBAL_UNICAST) ? undefined : 'reserved';
}

/**
 * Decides whether a URL attachment may connect to `address`. Returns undefined when
 * it may, or the kind of address that is refused.
 */
export function refusedAddressKind(
  address: IpBytes,
  policy: PrivateNetworkPolicy,
): NonPublicAddressKind | undefined {
  const kind = classifyAddress(address);
  if (kind === undefined) return undefined;
  if (NEVER_ALLOWED.has(kind) || policy === false) return kind;
  if (policy === true) return undefined;
  // A listed IPv4 range admits the IPv4-mapped form of its addresses too.
  const mapped = isInIpRange(address, IPV4_MAPPED) ? address.subarray(12) : undefined;
  return policy.some(
    (range) => isInIpRange(address, range) || (mapped !== undefined && isInIpRange(mapped, range)),
  )
    ? undefined
    : kind;
}

/**
 * Reads the `allowPrivateNetworks` option into a policy. Throws `CONFIG_INVALID` for
 * anything but a boolean or a list of IP addresses and CIDR ranges.
 */
export function parsePrivateNetworkPolicy(value: unknown): PrivateNetworkPolicy {
  const key = 'attachments.allowPrivateNetworks';
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (!Array.isArray(value)) {
    throw new ConfigError(key, 'must be a boolean or a list of IP addresses and CIDR ranges');
  }
  return value.map((entry: unknown, index) => {
    const range = typeof entry === 'string' ? parseIpRange(entry) : undefined;
    if (range === undefined) {
      throw new ConfigError(
        `${key}[${index}]`,
        `${JSON.stringify(entry)} is not an IP address or CIDR range`,
      );
    }
    return range;
  });
}
