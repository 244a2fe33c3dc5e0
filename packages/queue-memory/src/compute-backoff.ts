/**
 * Delay before retry number `attempt` (1 for the first retry): exponential from `baseMs`,
 * capped at `maxMs`, with ±50 % jitter so many failing emails do not retry in lockstep.
 */
export function computeBackoff(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.5 + random()));
}
