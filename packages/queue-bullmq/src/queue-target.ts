import { ConfigError } from '@mailroom/core';
import type { PostgresPoolConfig } from 'bullmq';
import type { Redis } from 'ioredis';
import { isRecord } from './is-record.js';

/** Where the queue lives: give one of `connection`, `url` or `postgres`. */
export interface QueueConnectionOptions {
  /**
   * An ioredis client whose settings (host, port, auth, TLS, db) are reused. Mailroom
   * opens its own duplicate with the settings its role needs (fail-fast for producers,
   * never-give-up for workers) and never closes yours.
   */
  connection?: Redis;
  /** A Redis URL: `redis://[user:pass@]host:6379[/db]`, or `rediss://` for TLS. */
  url?: string;
  /**
   * PostgreSQL through BullMQ's Postgres backend: a connection string
   * (`postgres://user:pass@host:5432/db`) or a node-postgres pool config, which may add
   * BullMQ's `schema` (default `bullmq`). The schema is migrated on first connect unless
   * `migrate: false` or `skipMigrations: true` is given.
   */
  postgres?: string | PostgresPoolConfig;
}

/** Environment variables that select a queue. */
export type QueueEnv = Record<string, string | undefined>;

/** A Redis datastore: the application's client to copy settings from, or a URL. */
export type RedisTarget = { kind: 'redis'; connection: Redis } | { kind: 'redis'; url: string };

/** A validated choice of datastore. */
export type QueueTarget = RedisTarget | { kind: 'postgres'; config: PostgresPoolConfig };

function redisUrl(value: unknown, key: string): string {
  if (typeof value !== 'string' || !/^rediss?:\/\//i.test(value.trim())) {
    throw new ConfigError(key, 'must be a redis:// or rediss:// URL');
  }
  return value.trim();
}

function postgresConfig(value: unknown, key: string): PostgresPoolConfig {
  if (typeof value === 'string') {
    if (!/^postgres(ql)?:\/\//i.test(value.trim())) {
      throw new ConfigError(key, 'must be a postgres:// or postgresql:// URL');
    }
    return { connectionString: value.trim() };
  }
  if (!isRecord(value)) {
    throw new ConfigError(key, 'must be a connection string or a node-postgres pool config');
  }
  if (value.migrate !== undefined && value.skipMigrations !== undefined) {
    throw new ConfigError(key, 'give either migrate or skipMigrations, not both');
  }
  return value as PostgresPoolConfig;
}

/**
 * Picks the datastore from `connection`, `url` or `postgres` (at most one), falling back
 * to `MAIL_QUEUE_POSTGRES_URL` and then `REDIS_URL`. The Postgres variable wins over
 * `REDIS_URL` because it names the mail queue alone, while `REDIS_URL` is often set for
 * a cache. Throws `CONFIG_INVALID` naming the key at fault.
 */
export function resolveQueueTarget(options: QueueConnectionOptions, env: QueueEnv): QueueTarget {
  const given = (['connection', 'url', 'postgres'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (given.length > 1) {
    throw new ConfigError(given[1] as string, `give only one of ${given.join(', ')}`);
  }
  if (options.connection !== undefined) {
    // Duck-typed: the application's ioredis may be another copy than ours.
    const client = options.connection as unknown as Record<string, unknown> | null;
    if (typeof client?.duplicate !== 'function' || !isRecord(client.options)) {
      throw new ConfigError('connection', 'must be an ioredis client (new Redis(...))');
    }
    if (client.isCluster === true) {
      throw new ConfigError('connection', 'Redis Cluster is not supported: give a Redis client');
    }
    if (options.connection.options.keyPrefix) {
      throw new ConfigError('connection', 'ioredis keyPrefix is not supported by BullMQ');
    }
    return { kind: 'redis', connection: options.connection };
  }
  if (options.url !== undefined) return { kind: 'redis', url: redisUrl(options.url, 'url') };
  if (options.postgres !== undefined) {
    return { kind: 'postgres', config: postgresConfig(options.postgres, 'postgres') };
  }
  const postgresUrl = env.MAIL_QUEUE_POSTGRES_URL?.trim();
  if (postgresUrl) {
    return { kind: 'postgres', config: postgresConfig(postgresUrl, 'MAIL_QUEUE_POSTGRES_URL') };
  }
  const url = env.REDIS_URL?.trim();
  if (url) return { kind: 'redis', url: redisUrl(url, 'REDIS_URL') };
  throw new ConfigError(
    'url',
    'no queue datastore: give connection, url or postgres, or set REDIS_URL or MAIL_QUEUE_POSTGRES_URL',
  );
}

/** True when the environment names a queue datastore. */
export function envHasQueue(env: QueueEnv): boolean {
  return Boolean(env.REDIS_URL?.trim() || env.MAIL_QUEUE_POSTGRES_URL?.trim());
}
