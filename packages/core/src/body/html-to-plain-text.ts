import { compile } from 'html-to-text';

// Compiled once: html-to-text builds its selector tables per options object.
const convert = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    // Images are dropped: their cid: and data: sources mean nothing in a text part.
    { selector: 'img', format: 'skip' },
    // Email layouts use tables for everything; lay their cells out as columns so
    // "Plan" and "€ 40.00" do not run together.
    { selector: 'table', format: 'dataTable' },
  ],
});

/**
 * Turns an HTML body into a plain-text part a person can read: paragraphs and line
 * breaks kept, links shown with their URL, script and style dropped, entities decoded.
 */
export function htmlToPlainText(html: string): string {
  return convert(html);
}
