import { ConfigError } from '@mailroom/core';
import type { SmtpBackendOptions } from './smtp-backend-options.js';

const KEYS = new Set([
  'url',
  'host',
  'port',
  'secure',
  'requireTLS',
  'auth',
  'pool',
  'maxConnections',
  'maxMessages',
  'idleTimeoutMs',
  'connectionTimeoutMs',
  'greetingTimeoutMs',
  'socketTimeoutMs',
  'tls',
  'name',
]);
const TLS_KEYS = new Set(['rejectUnauthorized', 'ca', 'servername', 'minVersion']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function check(condition: boolean, key: string, message: string): void {
  if (!condition) throw new ConfigError(key, message);
}

function optional(value: unknown, test: (value: unknown) => boolean): boolean {
  return value === undefined || test(value);
}

const isString = (value: unknown): boolean => typeof value === 'string' && value !== '';
const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
const isPositiveInteger = (value: unknown): boolean =>
  Number.isSafeInteger(value) && (value as number) > 0;

/** Checks backend options and fails with `CONFIG_INVALID` naming the key at fault. */
export function validateSmtpOptions(options: unknown): asserts options is SmtpBackendOptions {
  check(isRecord(options), 'smtp', 'options must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) check(KEYS.has(key), key, 'unknown option');
  check(typeof o.host === 'string' && o.host !== '', 'host', 'is required (or give url)');
  check(
    optional(
      o.port,
      (port) => Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536,
    ),
    'port',
    'must be an integer from 1 to 65535',
  );
  for (const key of ['secure', 'requireTLS', 'pool'])
    check(optional(o[key], isBoolean), key, 'must be a boolean');
  for (const key of [
    'maxConnections',
    'maxMessages',
    'idleTimeoutMs',
    'connectionTimeoutMs',
    'greetingTimeoutMs',
    'socketTimeoutMs',
  ]) {
    check(optional(o[key], isPositiveInteger), key, 'must be a positive integer');
  }
  check(optional(o.name, isString), 'name', 'must be a non-empty string');
  if (o.auth !== undefined) {
    check(isRecord(o.auth), 'auth', 'must be { user, pass }');
    const auth = o.auth as Record<string, unknown>;
    check(isString(auth.user), 'auth.user', 'must be a non-empty string');
    check(typeof auth.pass === 'string', 'auth.pass', 'must be a string');
  }
  if (o.tls !== undefined) {
    check(isRecord(o.tls), 'tls', 'must be an object');
    const tls = o.tls as Record<string, unknown>;
    for (const key of Object.keys(tls)) check(TLS_KEYS.has(key), `tls.${key}`, 'unknown option');
    check(
      optional(tls.rejectUnauthorized, isBoolean),
      'tls.rejectUnauthorized',
      'must be a boolean',
    );
    check(optional(tls.servername, isString), 'tls.servername', 'must be a non-empty string');
    check(
      optional(tls.minVersion, (v) => v === 'TLSv1.2' || v === 'TLSv1.3'),
      'tls.minVersion',
      "must be 'TLSv1.2' or 'TLSv1.3'",
    );
  }
}
