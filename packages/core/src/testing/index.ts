/**
 * Test support for applications that send email with Mailroom.
 * @packageDocumentation
 */
export { type TestBackend, type TestBackendOptions, testBackend } from './test-backend.js';
