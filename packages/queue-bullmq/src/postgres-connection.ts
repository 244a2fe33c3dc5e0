import type { PostgresPoolConfig } from 'bullmq';

/**
 * The pool config BullMQ builds its Postgres pool from, for one role: migration on
 * first connect unless the caller chose otherwise, a bounded connect time, and a pool
 * large enough for the worker's concurrency.
 */
export function postgresRoleConfig(
  config: PostgresPoolConfig,
  settings: { poolSize: number; queryTimeoutMs?: number },
): PostgresPoolConfig {
  const migration =
    config.migrate === undefined && config.skipMigrations === undefined ? { migrate: true } : {};
  return {
    connectionTimeoutMillis: 5_000,
    max: settings.poolSize,
    ...(settings.queryTimeoutMs === undefined ? {} : { query_timeout: settings.queryTimeoutMs }),
    ...migration,
    ...config,
  };
}
