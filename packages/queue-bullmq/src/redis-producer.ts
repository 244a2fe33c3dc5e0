import { type EmailJob, QueueError } from '@mailroom/core';
import { type DefaultJobOptions, type JobState, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AttachmentContentStore } from './attachment-content-store.js';
import type { AddedJob, QueueProducer } from './queue-producer.js';
import type { RedisTarget } from './queue-target.js';
import { RedisAttachmentContentStore } from './redis-attachment-content-store.js';
import { openRedis } from './redis-connection.js';
import { storeWithEarlierStates } from './store-with-earlier-states.js';
import { withTimeout } from './with-timeout.js';

// ioredis's words for a command refused before it was written, because the offline
// queue is off and the socket is not writable: the job certainly did not reach Redis.
const NOT_SENT = /enableOfflineQueue options is false/;

/** Stores jobs in Redis over a fail-fast connection that the producer owns. */
export class RedisProducer implements QueueProducer {
  readonly #client: Redis;
  readonly #queue: Queue<EmailJob>;
  readonly #content: AttachmentContentStore;
  readonly #enqueueTimeoutMs: number;
  #lastError: Error | undefined;
  #connecting: Promise<boolean> | undefined;

  constructor(
    name: string,
    target: RedisTarget,
    settings: { jobOptions: DefaultJobOptions; enqueueTimeoutMs: number },
  ) {
    this.#enqueueTimeoutMs = settings.enqueueTimeoutMs;
    this.#client = openRedis(target, 'producer', settings.enqueueTimeoutMs);
    this.#client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    this.#queue = new Queue<EmailJob>(name, {
      connection: this.#client,
      // Never wait for "ready" (sendEmail must not hang), and skip the INFO version
      // check: run before the connection is up, its failure would stick to the queue.
      skipWaitingForReady: true,
      skipVersionCheck: true,
      defaultJobOptions: settings.jobOptions,
    });
    this.#queue.on('error', () => undefined);
    this.#content = new RedisAttachmentContentStore(this.#client, this.#queue.toKey('content'));
  }

  /**
   * Resolves true when the connection is or becomes ready, false when it is down. One
   * wait per connection attempt, however many callers ask.
   */
  #connected(): Promise<boolean> {
    const client = this.#client;
    if (client.status === 'ready') return Promise.resolve(true);
    // Between attempts (or closed for good): Redis is down, say so at once.
    if (client.status !== 'connecting' && client.status !== 'connect') {
      return Promise.resolve(false);
    }
    this.#connecting ??= new Promise<boolean>((resolve) => {
      const finish = (ready: boolean): void => {
        client.off('ready', onReady);
        client.off('close', onClose);
        this.#connecting = undefined;
        resolve(ready);
      };
      const onReady = (): void => finish(true);
      const onClose = (): void => finish(false);
      client.once('ready', onReady);
      client.once('close', onClose);
    });
    return this.#connecting;
  }

  async isAvailable(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (!(await withTimeout(this.#connected(), timeoutMs, false))) return false;
    // A ready socket can still sit in front of a stopped server: ask it.
    const ping = this.#client.ping().then(
      () => true,
      () => false,
    );
    return withTimeout(ping, deadline - Date.now(), false);
  }

  async add(job: EmailJob, opts: JobsOptions, readEarlierState: boolean): Promise<AddedJob> {
    const [added] = await this.#store([{ job, opts }], [readEarlierState], ([entry]) =>
      this.#queue.add('email', entry?.job as EmailJob, entry?.opts).then((stored) => [stored]),
    );
    return added as AddedJob;
  }

  async addMany(
    entries: ReadonlyArray<{ job: EmailJob; opts: JobsOptions }>,
    readEarlierState: readonly boolean[],
  ): Promise<AddedJob[]> {
    return this.#store(entries, readEarlierState, (all) =>
      // One MULTI: every job is stored, or none.
      this.#queue.addBulk(all.map(({ job, opts }) => ({ name: 'email', data: job, opts }))),
    );
  }

  async #store(
    entries: ReadonlyArray<{ job: EmailJob; opts: JobsOptions }>,
    readEarlierState: readonly boolean[],
    write: (
      entries: ReadonlyArray<{ job: EmailJob; opts: JobsOptions }>,
    ) => Promise<Array<{ id?: string }>>,
  ): Promise<AddedJob[]> {
    await this.#assertConnected();
    try {
      return await storeWithEarlierStates(this.#queue, entries, readEarlierState, () =>
        write(entries),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (NOT_SENT.test(message)) {
        throw new QueueError('QUEUE_UNAVAILABLE', `Redis is not connected: ${message}`, {
          cause: error,
        });
      }
      // Written to the socket, then a timeout or a dropped connection: Redis may
      // have stored the job, so the caller must not deliver it another way.
      throw new QueueError('QUEUE_ENQUEUE_FAILED', `enqueue may have failed: ${message}`, {
        cause: error,
      });
    }
  }

  async #assertConnected(): Promise<void> {
    // A connection under way (a new queue's first) is worth waiting for; a broken one is not.
    // A ready connection (the usual case) costs no timer.
    const connected =
      this.#client.status === 'ready' ||
      (await withTimeout(this.#connected(), this.#enqueueTimeoutMs, false));
    if (!connected) {
      throw new QueueError('QUEUE_UNAVAILABLE', `Redis is not connected (${this.#client.status})`, {
        ...(this.#lastError ? { cause: this.#lastError } : {}),
      });
    }
  }

  async contentStore(): Promise<AttachmentContentStore> {
    await this.#assertConnected();
    return this.#content;
  }

  async storedEmailId(jobId: string): Promise<string | undefined> {
    // Large attachments are out of the job, so its data is small enough to read.
    const data = await this.#client.hget(this.#queue.toKey(jobId), 'data');
    return data === null ? undefined : (JSON.parse(data) as { id?: string }).id;
  }

  state(jobId: string): Promise<JobState | 'unknown'> {
    return this.#queue.getJobState(jobId);
  }

  async failedReason(jobId: string): Promise<string | undefined> {
    // One field, not the whole job: its data may be tens of MiB.
    return (await this.#client.hget(this.#queue.toKey(jobId), 'failedReason')) ?? undefined;
  }

  async close(): Promise<void> {
    await this.#queue.close().catch(() => undefined);
    if (this.#client.status === 'ready') await this.#client.quit().catch(() => undefined);
    this.#client.disconnect();
  }
}
