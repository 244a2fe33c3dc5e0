import { createHash, randomBytes } from 'node:crypto';
import { bullmqQueue, type QueueConnectionOptions, startEmailWorker } from '@mailroom/queue-bullmq';
import { startSmtpSink } from '@mailroom/testkit';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendFor,
  Cleanup,
  emailJob,
  emailJobWith,
  enqueueOptions,
  POSTGRES_URL,
  queueErrorOf,
  requirePostgres,
  uniqueName,
  waitUntil,
} from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const superuser = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
afterAll(() => superuser.end());

const LARGE = randomBytes(300 * 1024);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The connection string of `role` on the test database (the local server trusts it). */
function asRole(role: string): string {
  const url = new URL(POSTGRES_URL);
  url.username = role;
  url.password = '';
  return url.toString();
}

describe('PostgreSQL: a role with table grants only', () => {
  beforeAll(requirePostgres);

  /**
   * A private schema that the migration role (here the superuser) migrated, its
   * content table created by a first large attachment, and a role granted only the
   * use of its tables; all dropped after the test.
   */
  async function grantedRole(): Promise<{
    schema: string;
    role: string;
    app: QueueConnectionOptions;
  }> {
    // Identifiers of our own making: lower-case letters, digits and underscores.
    const schema = uniqueName('grants').replaceAll('-', '_');
    const role = `${schema}_app`;
    cleanup.add(async () => {
      await superuser.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await superuser.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await superuser.query(`DROP ROLE IF EXISTS ${role}`);
    });
    await superuser.query(`CREATE SCHEMA ${schema}`);
    await superuser.query(`CREATE ROLE ${role} LOGIN`);

    const owner = { postgres: { connectionString: POSTGRES_URL, schema } };
    const setup = bullmqQueue({ ...owner, name: uniqueName('setup') });
    cleanup.add(() => setup.close());
    const first = await emailJobWith('Setup', { content: LARGE, filename: 'large.bin' });
    await setup.enqueue(first, enqueueOptions(first.id));
    await setup.close();

    await superuser.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await superuser.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    );
    await superuser.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
    return {
      schema,
      role,
      app: { postgres: { connectionString: asRole(role), schema, migrate: false } },
    };
  }

  it('enqueues and delivers a large attachment when a migration role created the tables', async () => {
    const { schema, app } = await grantedRole();
    const name = uniqueName('granted');
    const queue = bullmqQueue({ ...app, name });
    cleanup.add(() => queue.close());
    const job = await emailJobWith('Granted', { content: LARGE, filename: 'large.bin' });
    expect(await queue.enqueue(job, enqueueOptions(job.id))).toEqual({ id: job.id });

    const sink = await startSmtpSink({ disableStartTls: true });
    cleanup.add(() => sink.close());
    const backend = backendFor(sink);
    cleanup.add(() => backend.close());
    const worker = await startEmailWorker({ ...app, name, backend });
    cleanup.add(() => worker.close());
    await sink.waitFor(1);
    const attachment = sink.messages[0]?.parsed.attachments[0];
    expect(attachment && sha256(attachment.content)).toBe(sha256(LARGE));

    const rows = async () =>
      (
        await superuser.query(
          `SELECT count(*)::int AS n FROM ${schema}.mailroom_attachment_content WHERE queue = $1`,
          [name],
        )
      ).rows[0]?.n;
    await waitUntil(async () => (await rows()) === 0, 5000, 'the content to be deleted');
  }, 30_000);

  it('refuses only the job (scope job) when the role may not store content; the queue stays up', async () => {
    const { schema, role, app } = await grantedRole();
    await superuser.query(`REVOKE INSERT ON ${schema}.mailroom_attachment_content FROM ${role}`);
    const queue = bullmqQueue({ ...app, name: uniqueName('revoked') });
    cleanup.add(() => queue.close());

    const job = await emailJobWith('Revoked', { content: LARGE, filename: 'large.bin' });
    const error = await queueErrorOf(queue.enqueue(job, enqueueOptions(job.id)));
    expect(error.code).toBe('QUEUE_UNAVAILABLE');
    expect(error.details).toMatchObject({ scope: 'job', reason: 'content-refused' });
    expect(error.message).toMatch(/permission denied/);

    expect(await queue.isAvailable()).toBe(true);
    const small = await emailJob('Small');
    expect(await queue.enqueue(small, enqueueOptions(small.id))).toEqual({ id: small.id });
  }, 30_000);
});
