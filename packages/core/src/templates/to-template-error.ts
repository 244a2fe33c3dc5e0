import { TemplateError } from '../errors.js';

/**
 * The Mailroom TemplateError behind a failure, if any. nunjucks wraps errors on their way
 * out (in its own TemplateError, keeping the original as `cause`), so the chain is
 * searched.
 */
export function findTemplateError(error: unknown): TemplateError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof TemplateError) return current;
  }
  return undefined;
}

/**
 * The error to report for a failure while rendering `template`: the TemplateError raised
 * inside (see {@link findTemplateError}), or else a `TEMPLATE_RENDER` error naming it.
 */
export function toTemplateError(error: unknown, template: string): TemplateError {
  const found = findTemplateError(error);
  if (found !== undefined) return found;
  const reason = error instanceof Error ? error.message : String(error);
  return new TemplateError(
    'TEMPLATE_RENDER',
    `template ${JSON.stringify(template)} failed to render: ${reason}`,
    { details: { template }, cause: error },
  );
}
