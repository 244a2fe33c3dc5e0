import { type EmailJob, type QueuedEmail, QueueError } from '@mailroom/core';
import type { DefaultJobOptions, JobState, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AttachmentContentStore } from './attachment-content-store.js';
import { addAllJobs, addOneJob, type WriteJobs } from './job-writes.js';
import { loadBullmq } from './load-bullmq.js';
import { type AddedJob, type QueueProducer, storedEmailOf } from './queue-producer.js';
import type { RedisTarget } from './queue-target.js';
import { RedisAttachmentContentStore } from './redis-attachment-content-store.js';
import { openRedis } from './redis-connection.js';
import { type JobEntry, storeWithEarlierStates } from './store-with-earlier-states.js';
import { withTimeout } from './with-timeout.js';

// ioredis's words for a command refused before it was written, because the offline
// queue is off and the socket is not writable: the job certainly did not reach Redis.
const NOT_SENT = /enableOfflineQueue options is false/;

/**
 * Stores jobs in Redis over a fail-fast connection that the producer owns. BullMQ is
 * loaded on the first store, not with this module: a mailer that auto-detects the queue
 * then answers "is Redis there?" with ioredis alone, without waiting for BullMQ's
 * import (about three times ioredis's), and never loads it while Redis is down.
 */
export class RedisProducer implements QueueProducer {
  readonly #name: string;
  readonly #client: Redis;
  readonly #jobOptions: DefaultJobOptions;
  #queue: Promise<{ queue: Queue<EmailJob>; content: AttachmentContentStore }> | undefined;
  // The same once loaded, so a store after the first waits for nothing it need not.
  #loaded: { queue: Queue<EmailJob>; content: AttachmentContentStore } | undefined;
  readonly #enqueueTimeoutMs: number;
  #lastError: Error | undefined;
  #connecting: Promise<boolean> | undefined;
  // Until the first connection attempt ends, ready or not.
  #firstAttempt = true;

  constructor(
    name: string,
    target: RedisTarget,
    settings: { jobOptions: DefaultJobOptions; enqueueTimeoutMs: number },
  ) {
    this.#name = name;
    this.#jobOptions = settings.jobOptions;
    this.#enqueueTimeoutMs = settings.enqueueTimeoutMs;
    this.#client = openRedis(target, 'producer', settings.enqueueTimeoutMs);
    this.#client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    const endFirstAttempt = (): void => {
      this.#firstAttempt = false;
    };
    this.#client.once('ready', endFirstAttempt);
    this.#client.once('close', endFirstAttempt);
  }

  isStarting(): boolean {
    const { status } = this.#client;
    return this.#firstAttempt && (status === 'connecting' || status === 'connect');
  }

  /** The BullMQ queue on the producer's connection, and the content store in its keys. */
  #bullmq(): Promise<{ queue: Queue<EmailJob>; content: AttachmentContentStore }> {
    if (this.#queue !== undefined) return this.#queue;
    const loading = loadBullmq().then(({ Queue }) => {
      const queue = new Queue<EmailJob>(this.#name, {
        connection: this.#client,
        // Never wait for "ready" (sendEmail must not hang), and skip the INFO version
        // check: run before the connection is up, its failure would stick to the queue.
        skipWaitingForReady: true,
        skipVersionCheck: true,
        defaultJobOptions: this.#jobOptions,
      });
      queue.on('error', () => undefined);
      const content = new RedisAttachmentContentStore(this.#client, queue);
      this.#loaded = { queue, content };
      return this.#loaded;
    });
    // A failed load is tried again by the next caller.
    loading.catch(() => {
      if (this.#queue === loading) this.#queue = undefined;
    });
    this.#queue = loading;
    return loading;
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
    const [added] = await this.#store([{ job, opts }], [readEarlierState], addOneJob);
    return added as AddedJob;
  }

  async addMany(
    entries: readonly JobEntry[],
    readEarlierState: readonly boolean[],
  ): Promise<AddedJob[]> {
    return this.#store(entries, readEarlierState, addAllJobs);
  }

  async #store(
    entries: readonly JobEntry[],
    readEarlierState: readonly boolean[],
    write: WriteJobs,
  ): Promise<AddedJob[]> {
    // The usual case, a ready connection and BullMQ loaded, awaits nothing here.
    if (this.#client.status !== 'ready') await this.#assertConnected();
    const { queue } = this.#loaded ?? (await this.#bullmq());
    try {
      return await storeWithEarlierStates(queue, entries, readEarlierState, () =>
        write(queue, entries),
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
    return (await this.#bullmq()).content;
  }

  async storedEmail(jobId: string): Promise<QueuedEmail | undefined> {
    // Large attachments are out of the job, so its data is small enough to read.
    const { queue } = await this.#bullmq();
    const data = await this.#client.hget(queue.toKey(jobId), 'data');
    return data === null ? undefined : storedEmailOf(JSON.parse(data));
  }

  async state(jobId: string): Promise<JobState | 'unknown'> {
    return (await this.#bullmq()).queue.getJobState(jobId);
  }

  async failedReason(jobId: string): Promise<string | undefined> {
    // One field, not the whole job: its data may be tens of MiB.
    const { queue } = await this.#bullmq();
    return (await this.#client.hget(queue.toKey(jobId), 'failedReason')) ?? undefined;
  }

  async close(): Promise<void> {
    const loaded = await this.#queue?.catch(() => undefined);
    await loaded?.queue.close().catch(() => undefined);
    if (this.#client.status === 'ready') await this.#client.quit().catch(() => undefined);
    this.#client.disconnect();
  }
}
