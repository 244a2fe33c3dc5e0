import type { Redis } from 'ioredis';
import type { AttachmentContentStore, StoredContent } from './attachment-content-store.js';

// Base64 characters read per GETRANGE: a multiple of 4, so every piece decodes on its
// own, and small, since each piece leaves garbage until the next collection (a worker
// delivering 25 MiB grew by about 0.8 times the file with 256 KiB pieces, up to 1.6
// times with 1 MiB ones).
const PIECE = 256 * 1024;
// Keys deleted per SCAN page in deleteAll.
const SCAN_COUNT = 500;

/** The base64 length of `size` bytes. */
const base64Length = (size: number): number => 4 * Math.ceil(size / 3);

/**
 * Keeps attachment content in Redis as base64 strings under
 * `<prefix>:<queue>:content:<ref>` (BullMQ's key space of the queue, so tools that list
 * a queue's keys see them), each with its own expiry. Works over the caller's
 * connection, which it never closes.
 */
export class RedisAttachmentContentStore implements AttachmentContentStore {
  readonly #client: Redis;
  readonly #base: string;

  /** `queue`: the BullMQ queue or worker whose key space holds the content. */
  constructor(client: Redis, queue: { toKey(type: string): string }) {
    this.#client = client;
    this.#base = queue.toKey('content');
  }

  #key(ref: string): string {
    return `${this.#base}:${ref}`;
  }

  async put(entries: readonly StoredContent[], ttlMs: number): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.#client.multi();
    for (const { ref, base64 } of entries) multi.set(this.#key(ref), base64, 'PX', ttlMs);
    const replies = await multi.exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (replies === null || failed) throw failed ?? new Error('Redis discarded the transaction');
  }

  async has(ref: string, size: number): Promise<boolean> {
    // An empty attachment has no key to find: the producer keeps such ones inline.
    return (await this.#client.strlen(this.#key(ref))) === base64Length(size);
  }

  async *read(ref: string, size: number): AsyncGenerator<Uint8Array> {
    const key = this.#key(ref);
    const length = base64Length(size);
    for (let start = 0; start < length; start += PIECE) {
      const piece = await this.#client.getrangeBuffer(key, start, start + PIECE - 1);
      if (piece.length === 0) {
        throw new Error(`attachment content ${ref} ended at ${start} of ${length} characters`);
      }
      yield Buffer.from(piece.toString('latin1'), 'base64');
    }
  }

  async extend(refs: readonly string[], ttlMs: number): Promise<void> {
    if (refs.length === 0) return;
    const multi = this.#client.multi();
    for (const ref of refs) multi.pexpire(this.#key(ref), ttlMs);
    await multi.exec();
  }

  async delete(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    // UNLINK frees tens of MiB in the background instead of blocking Redis.
    await this.#client.unlink(...refs.map((ref) => this.#key(ref)));
  }

  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#client.scan(
        cursor,
        'MATCH',
        // A queue name may hold glob characters; match them literally.
        `${this.#base.replace(/[*?[\]\\]/g, '\\$&')}:*`,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      if (keys.length > 0) await this.#client.unlink(...keys);
    } while (cursor !== '0');
  }
}
