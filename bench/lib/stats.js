/** The value at quantile `q` (0..1) of `values`, interpolated between neighbours. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
}

/** The median of `values`. */
export function median(values) {
  return quantile(values, 0.5);
}

/** Elapsed milliseconds since a `process.hrtime.bigint()` reading. */
export function since(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function runConcurrently(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Rounds to a precision that suits the magnitude, for tables. */
export function round(value, digits = 3) {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value);
  if (magnitude >= 10) return Math.round(value * 10) / 10;
  return Number(value.toPrecision(digits));
}

/** Formats a number for the table. */
export function format(value, unit = '') {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  const text = String(round(value));
  return unit ? `${text} ${unit}` : text;
}

/** A sleep that does not keep the process alive on its own. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
