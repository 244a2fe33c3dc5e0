const CR_LINE_BREAK = /\r\n?/g;

/**
 * Ends every line of a body with LF alone, which the composer writes as CRLF. A bare
 * CR would otherwise go out as it is: not allowed in a message, and refused by SMTP
 * servers that defend against SMTP smuggling.
 */
export function normalizeLineBreaks(body: string): string {
  return body.includes('\r') ? body.replace(CR_LINE_BREAK, '\n') : body;
}
