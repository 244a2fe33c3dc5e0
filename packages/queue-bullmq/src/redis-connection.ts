import { Redis } from 'ioredis';
import type { RedisTarget } from './queue-target.js';

/** The role a connection plays; each needs different failure behaviour. */
export type ConnectionRole = 'producer' | 'worker' | 'admin';

// Producers must answer at once when Redis is away (bullmq #995: the offline queue
// and waiting for "ready" would hold sendEmail forever). Workers must wait it out,
// and BullMQ refuses a worker connection that gives up on commands. The admin CLI
// waits a little for the connection, then reports the failure.
function redisRoleOptions(role: ConnectionRole, commandTimeoutMs: number | undefined) {
  switch (role) {
    case 'producer':
      return {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        ...(commandTimeoutMs === undefined ? {} : { commandTimeout: commandTimeoutMs }),
        // Reconnect quickly and keep trying, so a queue that comes back is used again.
        retryStrategy: (times: number) => Math.min(times * 100, 1_000),
      };
    case 'worker':
      // Set in full: a duplicate of the application's client would keep its fail-fast
      // settings, and a worker that cannot wait out a blip (a command timeout, commands
      // refused while reconnecting) loses the lock of a job it is sending, which then
      // runs again as stalled.
      return {
        maxRetriesPerRequest: null,
        enableOfflineQueue: true,
        autoResendUnfulfilledCommands: true,
        commandTimeout: undefined,
        retryStrategy: (times: number) => Math.min(times * 200, 5_000),
      };
    case 'admin':
      return {
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        retryStrategy: (times: number) => (times > 3 ? null : 200),
      };
  }
}

/**
 * Opens a Redis connection for one role. The caller owns it and must close it; errors
 * are kept quiet here (BullMQ and the callers report them) but never crash the process.
 */
export function openRedis(
  target: RedisTarget,
  role: ConnectionRole,
  commandTimeoutMs?: number,
): Redis {
  const options = redisRoleOptions(role, commandTimeoutMs);
  const client =
    'url' in target ? new Redis(target.url, options) : target.connection.duplicate(options);
  client.on('error', () => undefined);
  return client;
}
