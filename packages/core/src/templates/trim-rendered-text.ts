/**
 * Tidies a rendered text part: drops the blank lines that template tags leave at the top
 * and the whitespace at the end. Indentation of the first line is kept.
 */
export function trimRenderedText(text: string): string {
  return text.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}
