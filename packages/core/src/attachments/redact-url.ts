/**
 * A URL for errors and logs: origin and path only. Query strings and fragments often
 * carry tokens (signed download links) and are left out.
 */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
