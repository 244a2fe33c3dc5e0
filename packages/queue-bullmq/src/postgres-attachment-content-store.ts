import type { PgPool } from 'bullmq';
import type { AttachmentContentStore, StoredContent } from './attachment-content-store.js';

// Bytes read per query. Each piece leaves garbage (the hex text of the reply, the
// Buffer) until the next collection: 1 MiB pieces grew a worker delivering 25 MiB by
// about 3 times the file, 256 KiB ones by 0.5 to 1.8 times.
const PIECE = 256 * 1024;

const TABLE = 'mailroom_attachment_content';

// In BullMQ's schema (the pool's search_path, whose first schema current_schema()
// names). STORAGE EXTERNAL keeps the content uncompressed out of line, so substring()
// fetches only the pieces it needs instead of decompressing the whole value for each
// one. Only a missing table is created: ALTER TABLE needs the table's owner and an
// ACCESS EXCLUSIVE lock, which a role holding only grants on a table created ahead of
// time (by a migration role) has not and must not need. The advisory lock keeps
// processes starting together from creating it twice.
const CREATE = `
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('mailroom:${TABLE}'));
DO $create$
BEGIN
  IF to_regclass(format('%I.%I', current_schema(), '${TABLE}')) IS NULL THEN
    CREATE TABLE ${TABLE} (
      queue text NOT NULL,
      ref text NOT NULL,
      content bytea NOT NULL,
      expires_at_ms bigint NOT NULL,
      PRIMARY KEY (queue, ref)
    );
    ALTER TABLE ${TABLE} ALTER COLUMN content SET STORAGE EXTERNAL;
    CREATE INDEX ${TABLE}_expiry ON ${TABLE} (expires_at_ms);
  END IF;
END
$create$;
COMMIT;`;

/** A BullMQ queue or worker on the Postgres backend, as far as the store uses it. */
interface PoolOwner {
  getBackend(): { connection: { pool: PgPool } };
}

// The database's clock, in ms, so that every process agrees on what has expired.
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/**
 * Keeps attachment content in PostgreSQL, in a table `mailroom_attachment_content` of
 * BullMQ's schema (created on first use when missing, which needs CREATE on the schema;
 * an existing table needs only SELECT, INSERT, UPDATE and DELETE on it), one row per
 * attachment keyed by queue name and ref. The base64 text is decoded by the server and
 * stored as bytes. Rows past their expiry are treated as gone and purged whenever
 * content is stored.
 */
export class PostgresAttachmentContentStore implements AttachmentContentStore {
  readonly #owner: PoolOwner;
  readonly #queue: string;
  #created: Promise<void> | undefined;

  /** `owner`: the BullMQ queue or worker whose pool (once it is open) is used. */
  constructor(owner: PoolOwner, queue: string) {
    this.#owner = owner;
    this.#queue = queue;
  }

  #pool(): PgPool {
    return this.#owner.getBackend().connection.pool;
  }

  async #create(): Promise<void> {
    // One session, so a failure part-way can be rolled back before the connection
    // returns to the pool.
    const client = await this.#pool().connect();
    try {
      await client.query(CREATE);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #query<R>(text: string, params: readonly unknown[]): Promise<R[]> {
    this.#created ??= this.#create().catch((error: unknown) => {
      this.#created = undefined;
      throw error;
    });
    await this.#created;
    return (await this.#pool().query<R>(text, params)).rows;
  }

  async put(entries: readonly StoredContent[], ttlMs: number): Promise<void> {
    if (entries.length === 0) return;
    await this.#query(`DELETE FROM ${TABLE} WHERE expires_at_ms < ${NOW_MS}`, []);
    // One at a time: each statement carries tens of MiB.
    for (const { ref, base64 } of entries) {
      await this.#query(
        `INSERT INTO ${TABLE} (queue, ref, content, expires_at_ms)
         VALUES ($1, $2, decode($3, 'base64'), ${NOW_MS} + $4)
         ON CONFLICT (queue, ref)
         DO UPDATE SET content = excluded.content, expires_at_ms = excluded.expires_at_ms`,
        [this.#queue, ref, base64, ttlMs],
      );
    }
  }

  async has(ref: string, size: number): Promise<boolean> {
    // octet_length reads the stored length, not the value.
    const rows = await this.#query<{ length: number }>(
      `SELECT octet_length(content) AS length FROM ${TABLE}
        WHERE queue = $1 AND ref = $2 AND expires_at_ms >= ${NOW_MS}`,
      [this.#queue, ref],
    );
    return rows[0]?.length === size;
  }

  async *read(ref: string, size: number): AsyncGenerator<Uint8Array> {
    for (let start = 0; start < size; start += PIECE) {
      const rows = await this.#query<{ piece: Buffer }>(
        `SELECT substring(content FROM $3 FOR $4) AS piece FROM ${TABLE}
          WHERE queue = $1 AND ref = $2`,
        [this.#queue, ref, start + 1, PIECE],
      );
      const piece = rows[0]?.piece;
      if (piece === undefined || piece.length === 0) {
        throw new Error(`attachment content ${ref} ended at ${start} of ${size} bytes`);
      }
      yield piece;
    }
  }

  async extend(refs: readonly string[], ttlMs: number): Promise<void> {
    if (refs.length === 0) return;
    await this.#query(
      `UPDATE ${TABLE} SET expires_at_ms = ${NOW_MS} + $3 WHERE queue = $1 AND ref = ANY($2)`,
      [this.#queue, refs, ttlMs],
    );
  }

  async delete(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    await this.#query(`DELETE FROM ${TABLE} WHERE queue = $1 AND ref = ANY($2)`, [
      this.#queue,
      refs,
    ]);
  }

  async deleteAll(): Promise<void> {
    await this.#query(`DELETE FROM ${TABLE} WHERE queue = $1`, [this.#queue]);
  }
}
