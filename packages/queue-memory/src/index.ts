/**
 * `@mailroom/queue-memory`: in-process background delivery. Not implemented yet: the
 * queue issue builds it on core's QueueAdapter contract.
 * @packageDocumentation
 */
export {};
