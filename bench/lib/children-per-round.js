import { Child } from './child.js';

/**
 * One process per side, started afresh for every round: the luck of a process (how
 * its code was optimised, which core it landed on) then changes from round to round
 * instead of weighing on every round of a run, and the median of the rounds evens it
 * out. Sides start one at a time, so that their warm-ups do not compete. Pass
 * `beforeRound` and `afterRound` to `ctx.interleave`; `of(side)` is that side's child.
 *
 * @param {string} script
 * @param {Record<string, string[]>} argsBySide
 */
export function childrenPerRound(script, argsBySide) {
  /** @type {Record<string, Child>} */
  let children = {};
  return {
    /** @param {string} side */
    of: (side) => {
      const child = children[side];
      if (!child) throw new Error(`no ${side} process in this round`);
      return child;
    },
    beforeRound: async () => {
      for (const [side, args] of Object.entries(argsBySide)) {
        children[side] = new Child(script, { args });
        await children[side].next('ready');
      }
    },
    afterRound: async () => {
      const ending = Object.values(children);
      children = {};
      await Promise.all(ending.map((child) => child.kill()));
    },
  };
}
