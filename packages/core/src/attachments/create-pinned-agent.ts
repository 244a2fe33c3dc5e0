import type { LookupAddress as DnsLookupAddress, LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import type { LookupAddress } from './attachment-options.js';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | DnsLookupAddress[],
  family?: number,
) => void;

/**
 * An undici Agent that connects a host name only to the addresses pinned for it: the
 * ones already checked. The check and the connection use the same answer, so a DNS
 * server that answers differently the second time (DNS rebinding) changes nothing.
 * A name that was not pinned does not resolve at all. IP literals never reach this
 * lookup: they are checked before the request.
 */
export function createPinnedAgent(
  pins: ReadonlyMap<string, readonly LookupAddress[]>,
  timeouts: { connectMs: number; totalMs: number },
): Agent {
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const pinned = pins.get(hostname) ?? [];
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = pinned
      .filter((entry) => !family || entry.family === family)
      .map((entry) => ({ address: entry.address, family: entry.family }));
    const [first] = usable;
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error(`${hostname} has no checked address`);
      error.code = 'ENOTFOUND';
      callback(error, []);
    } else if (options.all) {
      callback(null, usable);
    } else {
      callback(null, first.address, first.family);
    }
  };
  return new Agent({
    connect: { lookup, timeout: timeouts.connectMs },
    headersTimeout: timeouts.totalMs,
    bodyTimeout: timeouts.totalMs,
  });
}
