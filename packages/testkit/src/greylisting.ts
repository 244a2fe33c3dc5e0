import type { SmtpReply } from './smtp-sink.js';

/**
 * An `rcptReply` that greylists: each of `addresses` is refused with 451 the first
 * `times` times it is offered as a recipient, then accepted. Other addresses pass.
 */
export function greylisting(
  addresses: readonly string[],
  times = 1,
): (address: string) => SmtpReply | undefined {
  const refused = new Map<string, number>();
  return (address) => {
    if (!addresses.includes(address)) return undefined;
    const count = refused.get(address) ?? 0;
    if (count >= times) return undefined;
    refused.set(address, count + 1);
    return { code: 451, message: '4.7.1 Greylisted, try again later' };
  };
}
