import { ConfigError } from '@mailroom/core';
import type { SmtpBackendOptions } from './smtp-backend-options.js';

function decode(part: string, key: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(key, 'has invalid percent-encoding');
  }
}

function booleanParam(value: string, key: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(key, 'must be true or false');
}

/**
 * Reads `smtp://user:pass@host:port` or `smtps://…` into backend options. User and
 * password are percent-decoded. Fails with `CONFIG_INVALID` on anything else.
 */
export function parseSmtpUrl(url: string): SmtpBackendOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('url', 'is not a valid URL (expected smtp://user:pass@host:587)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new ConfigError('url', `must use smtp: or smtps:, not ${parsed.protocol}`);
  }
  if (!parsed.hostname) throw new ConfigError('url', 'has no host');
  const secure = parsed.protocol === 'smtps:';
  const options: SmtpBackendOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
  };
  if (!parsed.username && parsed.password) {
    throw new ConfigError('url.user', 'is missing: a password was given without a user');
  }
  if (parsed.username) {
    options.auth = {
      user: decode(parsed.username, 'url.user'),
      pass: decode(parsed.password, 'url.password'),
    };
  }
  for (const [name, value] of parsed.searchParams) {
    if (name === 'requireTLS') options.requireTLS = booleanParam(value, `url?${name}`);
    else if (name === 'rejectUnauthorized') {
      options.tls = { rejectUnauthorized: booleanParam(value, `url?${name}`) };
    } else throw new ConfigError(`url?${name}`, 'unknown parameter');
  }
  return options;
}
