import { Marked } from 'marked';

// A private instance, so a user's global `marked.use()` cannot change email output.
const marked = new Marked({ gfm: true, async: false });

/** Renders Markdown (GitHub-flavoured) to HTML. The input is trusted author content. */
export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
