import { readFileSync, writeFileSync } from 'node:fs';

// Peak resident memory of this process, for the attachment scenarios (S5, S6). Each
// side runs in a child process of its own so the two cannot pollute each other.
//
// On Linux the kernel tracks the peak (VmHWM) and lets a process reset it by writing 5
// to /proc/self/clear_refs: that catches peaks that a sampling timer would miss while
// the event loop is busy. Elsewhere, RSS is sampled every 5 ms.

function statusKiB(field) {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Tracks the peak RSS from now on, relative to the RSS now. */
export class PeakRss {
  #baseline;
  #kernelPeak;
  #sampledPeak;
  #timer;

  /** Collects garbage (when exposed), then starts tracking. */
  constructor() {
    globalThis.gc?.();
    globalThis.gc?.();
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.#kernelPeak = true;
    } catch {
      this.#kernelPeak = false;
    }
    this.#baseline = process.memoryUsage().rss;
    this.#sampledPeak = this.#baseline;
    this.#timer = setInterval(() => {
      this.#sampledPeak = Math.max(this.#sampledPeak, process.memoryUsage().rss);
    }, 5);
  }

  /** Stops tracking; returns the baseline, the peak and the method, in bytes. */
  stop() {
    clearInterval(this.#timer);
    const rss = process.memoryUsage().rss;
    let peak = Math.max(this.#sampledPeak, rss);
    let method = 'sampled every 5 ms';
    if (this.#kernelPeak) {
      const hwm = statusKiB('VmHWM');
      if (hwm !== undefined) {
        peak = Math.max(peak, hwm * 1024);
        method = 'VmHWM after clear_refs';
      }
    }
    return { baseline: this.#baseline, peak, growth: peak - this.#baseline, method };
  }
}
