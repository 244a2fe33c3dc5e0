import { fileURLToPath } from 'node:url';
import { Child } from './child.js';

const SINK_SCRIPT = fileURLToPath(new URL('./sink.js', import.meta.url));

/**
 * The SMTP sink process, as the scenarios use it: its port, how many messages it has
 * received, and a wait until it has received a number of them.
 */
export class SinkClient {
  /** @type {Child} */
  #child;
  /** @type {number} */
  port;

  /** Starts the sink process and resolves once it listens. */
  static async start() {
    const client = new SinkClient();
    client.#child = new Child(SINK_SCRIPT);
    const ready = await client.#child.next('ready');
    client.port = ready.port;
    return client;
  }

  /** Messages received since the sink started. */
  async received() {
    const reply = await this.#child.request({ type: 'count' });
    return reply.received;
  }

  /**
   * Resolves once the sink has received `count` messages in all, or rejects after
   * `timeoutMs`.
   */
  async waitFor(count, timeoutMs = 120_000) {
    let timer;
    const timeout = new Promise((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the sink did not receive ${count} messages in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.#child.request({ type: 'expect', count }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the sink process. */
  async stop() {
    this.#child.send({ type: 'stop' });
    const exited = await Promise.race([
      this.#child.exited().then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 3000)),
    ]);
    if (!exited) await this.#child.kill();
  }
}
