/**
 * `@mailroom/backend-console`: prints messages during development instead of sending them.
 * @packageDocumentation
 */
export { ConsoleBackend, type ConsoleBackendOptions, consoleBackend } from './console-backend.js';
export { formatMessage } from './format-message.js';
