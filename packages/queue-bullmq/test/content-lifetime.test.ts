import { describe, expect, it } from 'vitest';
import {
  contentLifetimeMs,
  MAX_LIFETIME_AFTER_DELAY_MS,
  WAITING_ALLOWANCE_MS,
} from '../src/content-lifetime.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

describe('contentLifetimeMs', () => {
  it('is a week of waiting plus a week of failed retention for the defaults, plus the retries', () => {
    const lifetime = contentLifetimeMs({
      attempts: 5,
      backoff: { type: 'exponential', delay: 30_000 },
      removeOnFail: { age: 604_800, count: 5000 },
    });
    // 30 s + 60 s + 120 s + 240 s of backoff.
    expect(lifetime).toBe(WAITING_ALLOWANCE_MS + 450_000 + WEEK);
  });

  it('adds the delay', () => {
    const options = { removeOnFail: { age: 3600 } };
    expect(contentLifetimeMs(options, 5 * DAY) - contentLifetimeMs(options)).toBe(5 * DAY);
  });

  it('keeps content waiting at least a week whatever removeOnFail says', () => {
    for (const removeOnFail of [true, { age: 1 }, { age: 3600 }]) {
      expect(contentLifetimeMs({ removeOnFail })).toBeGreaterThanOrEqual(WEEK);
    }
  });

  it.each([
    ['true (removed at once)', true, 0],
    ['false (kept forever)', false, WEEK],
    ['a count', 100, WEEK],
    ['{ age }', { age: 3600 }, HOUR],
    ['{ count }', { count: 100 }, WEEK],
    ['{ age, count }', { age: 2 * 86_400, count: 100 }, 2 * DAY],
    ['absent', undefined, WEEK],
  ])('counts removeOnFail %s as that failed retention', (_, removeOnFail, keptMs) => {
    expect(contentLifetimeMs({ removeOnFail })).toBe(WAITING_ALLOWANCE_MS + keptMs);
  });

  it('caps what follows the delay at a year, however many attempts', () => {
    for (const attempts of [50, 1100, Number.MAX_SAFE_INTEGER]) {
      const lifetime = contentLifetimeMs({
        attempts,
        backoff: { type: 'exponential', delay: 30_000 },
      });
      expect(lifetime).toBe(MAX_LIFETIME_AFTER_DELAY_MS);
      expect(Number.isSafeInteger(lifetime)).toBe(true);
    }
    expect(MAX_LIFETIME_AFTER_DELAY_MS).toBe(365 * DAY);
    expect(
      contentLifetimeMs({ attempts: 50, backoff: { type: 'exponential', delay: 1 } }, DAY),
    ).toBe(DAY + MAX_LIFETIME_AFTER_DELAY_MS);
  });

  it('counts no retries without a backoff delay, however many attempts', () => {
    expect(contentLifetimeMs({ attempts: 5000, removeOnFail: true })).toBe(WAITING_ALLOWANCE_MS);
  });
});
