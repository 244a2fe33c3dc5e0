const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const SPECIAL = /[&<>"']/;

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  // Most values (names, dates, plain words) have nothing to escape.
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}
