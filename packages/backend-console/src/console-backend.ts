import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  ConfigError,
  composeMimeStream,
  type DeliveryInfo,
  type EmailBackend,
  type ResolvedMessage,
} from '@mailroom/core';
import { formatMessage } from './format-message.js';
import { readHeaderBlock } from './read-header-block.js';

/** Options of {@link consoleBackend}. */
export interface ConsoleBackendOptions {
  /** Where to print. Default: standard output. */
  write?: (text: string) => void;
  /** Also write each message, complete, as `<date>-<id>.eml` into this folder. */
  emlDir?: string;
}

/** The development backend: prints each message instead of sending it. */
export class ConsoleBackend implements EmailBackend {
  readonly name = 'console';
  readonly #write: (text: string) => void;
  readonly #emlDir: string | undefined;

  /** Use {@link consoleBackend}, which validates the options. */
  constructor(options: ConsoleBackendOptions = {}) {
    this.#write = options.write ?? ((text) => process.stdout.write(text));
    this.#emlDir = options.emlDir;
  }

  /** Prints the message (and writes the .eml file when configured). */
  async send(message: ResolvedMessage): Promise<DeliveryInfo> {
    let headerBlock: string;
    if (this.#emlDir === undefined) {
      headerBlock = await readHeaderBlock(composeMimeStream(message));
    } else {
      await mkdir(this.#emlDir, { recursive: true });
      const stamp = message.date.toISOString().replace(/[:.]/g, '-');
      const file = join(this.#emlDir, `${stamp}-${message.id}.eml`);
      await pipeline(composeMimeStream(message), createWriteStream(file));
      headerBlock = await readHeaderBlock(createReadStream(file));
    }
    this.#write(formatMessage(message, headerBlock));
    return { messageId: message.messageId, accepted: [...message.envelope.to], rejected: [] };
  }
}

/** Creates the Console backend for development: nothing is sent, everything is shown. */
export function consoleBackend(options: ConsoleBackendOptions = {}): ConsoleBackend {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('console', 'options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'write' && key !== 'emlDir') throw new ConfigError(key, 'unknown option');
  }
  if (options.write !== undefined && typeof options.write !== 'function') {
    throw new ConfigError('write', 'must be a function');
  }
  if (
    options.emlDir !== undefined &&
    (typeof options.emlDir !== 'string' || options.emlDir === '')
  ) {
    throw new ConfigError('emlDir', 'must be a directory path');
  }
  return new ConsoleBackend(options);
}
