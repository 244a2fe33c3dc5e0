/**
 * Whether `error` is the datastore's answer to a command it received: a Redis error
 * reply (an `EXECABORT`, `NOPERM` or `OOM` included), or a PostgreSQL statement error
 * (severity `ERROR`: a missing privilege, a full disk, a constraint). The datastore is
 * up and went on serving; what it refused was this command.
 *
 * Anything else means it was not reached: not connected, a refused or dropped
 * connection, no answer in time, or a PostgreSQL `FATAL` (a failed login, too many
 * connections, a server shutting down), which ends the session.
 */
export function isDatastoreRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, severity } = error as { name?: unknown; severity?: unknown };
  // ioredis's ReplyError (from redis-errors), told by name: ioredis exports the class
  // untyped.
  if (name === 'ReplyError') return true;
  // node-postgres's DatabaseError carries the server's severity; socket errors do not.
  return severity === 'ERROR';
}
