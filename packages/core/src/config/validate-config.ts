import type { Address } from '../address/address.js';
import { parseAddress } from '../address/parse-address.js';
import type { AttachmentOptions } from '../attachments/attachment-options.js';
import { parsePrivateNetworkPolicy } from '../attachments/guard-network-address.js';
import { ConfigError, MailroomError } from '../errors.js';
import { isPlainObject } from '../is-plain-object.js';
import type { QueueAdapter } from '../queue/queue-adapter.js';
import type { TemplateOptions } from '../templates/template-options.js';
import { validateTemplateOptions } from '../templates/validate-template-options.js';
import type { MailerConfig } from './mailer-config.js';

/** A configuration after validation, with the sender parsed. */
export interface ValidatedConfig extends Omit<MailerConfig, 'from'> {
  from?: Address;
}

const KEYS = new Set(['from', 'backend', 'queue', 'attachments', 'templates', 'failSilently']);
const ATTACHMENT_KEYS = new Set([
  'maxBytes',
  'maxTotalBytes',
  'allowedDirs',
  'allowPrivateNetworks',
  'timeoutMs',
  'lookup',
]);

function checkKeys(object: Record<string, unknown>, known: Set<string>, prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) throw new ConfigError(`${prefix}${key}`, 'unknown option');
  }
}

function positiveInteger(value: unknown, key: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new ConfigError(key, 'must be a positive integer');
  }
}

function validateAttachments(value: unknown): AttachmentOptions | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new ConfigError('attachments', 'must be an object');
  checkKeys(value, ATTACHMENT_KEYS, 'attachments.');
  positiveInteger(value.maxBytes, 'attachments.maxBytes');
  positiveInteger(value.maxTotalBytes, 'attachments.maxTotalBytes');
  positiveInteger(value.timeoutMs, 'attachments.timeoutMs');
  const { allowedDirs, lookup } = value;
  if (
    allowedDirs !== undefined &&
    !(
      Array.isArray(allowedDirs) &&
      allowedDirs.every((dir) => typeof dir === 'string' && dir !== '')
    )
  ) {
    throw new ConfigError('attachments.allowedDirs', 'must be an array of directory paths');
  }
  parsePrivateNetworkPolicy(value.allowPrivateNetworks);
  if (lookup !== undefined && typeof lookup !== 'function') {
    throw new ConfigError(
      'attachments.lookup',
      'must be a function (hostname) => Promise<addresses>',
    );
  }
  return value as AttachmentOptions;
}

function validateQueue(value: unknown): MailerConfig['queue'] {
  if (value === undefined || value === 'auto' || value === false) return value;
  // Adapters and backends are usually class instances: any object with the methods will do.
  const adapter = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const methods = ['isAvailable', 'enqueue', 'close'];
  if (
    typeof adapter.name !== 'string' ||
    !methods.every((method) => typeof adapter[method] === 'function')
  ) {
    throw new ConfigError(
      'queue',
      "must be 'auto', false or a QueueAdapter such as bullmqQueue(...)",
    );
  }
  return value as unknown as QueueAdapter;
}

function validateBackend(value: unknown): MailerConfig['backend'] {
  const backend = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof backend.send !== 'function' || typeof backend.name !== 'string') {
    throw new ConfigError(
      'backend',
      'must be an EmailBackend ({ name, send(message) }), such as smtpBackend(...)',
    );
  }
  return value as unknown as MailerConfig['backend'];
}

/**
 * Checks a mailer configuration and fails with `CONFIG_INVALID` naming the key at
 * fault: unknown keys (usually typos) included.
 */
export function validateConfig(config: unknown): ValidatedConfig {
  if (!isPlainObject(config)) throw new ConfigError('config', 'must be an object');
  checkKeys(config, KEYS, '');
  let from: Address | undefined;
  if (config.from !== undefined) {
    try {
      from = parseAddress(config.from, 'from');
    } catch (error) {
      throw new ConfigError(
        'from',
        error instanceof MailroomError ? error.message : String(error),
        {
          cause: error,
        },
      );
    }
  }
  const queue = validateQueue(config.queue);
  if (config.failSilently !== undefined && typeof config.failSilently !== 'boolean') {
    throw new ConfigError('failSilently', 'must be a boolean');
  }
  const attachments = validateAttachments(config.attachments);
  const templates: TemplateOptions | undefined =
    config.templates === undefined ? undefined : validateTemplateOptions(config.templates);
  return {
    backend: validateBackend(config.backend),
    ...(from === undefined ? {} : { from }),
    ...(queue === undefined ? {} : { queue }),
    ...(attachments === undefined ? {} : { attachments }),
    ...(templates === undefined ? {} : { templates }),
    ...(config.failSilently === undefined ? {} : { failSilently: config.failSilently }),
  };
}
