/**
 * `@mailroom/queue-bullmq`: BullMQ queue on Redis or PostgreSQL, the email worker and
 * the `mailroom-worker` CLI. Not implemented yet: the queue issue builds it.
 * @packageDocumentation
 */
export {};
