import { compile, type FormatCallback } from 'html-to-text';

// An image reads as its alt text. Its source never does: cid: and data: sources mean
// nothing in a text part, and a remote one is as often a tracking pixel as a picture.
const imageAlt: FormatCallback = (elem, _walk, builder) => {
  const alt = (elem.attribs as Record<string, string> | undefined)?.alt?.trim();
  if (alt) builder.addInline(alt);
};

// Compiled once: html-to-text builds its selector tables per options object.
const convert = compile({
  wordwrap: 78,
  formatters: { imageAlt },
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'imageAlt' },
    // Email layouts use tables for everything; lay their cells out as columns so
    // "Plan" and "€ 40.00" do not run together.
    { selector: 'table', format: 'dataTable' },
  ],
});

/**
 * Turns an HTML body into a plain-text part a person can read: paragraphs and line
 * breaks kept, links shown with their URL, images by their alt text, script and style
 * dropped, entities decoded.
 */
export function htmlToPlainText(html: string): string {
  return convert(html);
}
