/** What rendering a template yields: any of the parts, and maybe a subject. */
export interface RenderedTemplate {
  /** Subject set by the template. */
  subject?: string;
  /** Plain-text part (from `.txt`, or the Markdown source of `.md`). */
  text?: string;
  /** HTML part (from `.html`/`.htm`, or rendered from `.md`). */
  html?: string;
}

/** Renders a named template with a context; implemented by the template engine. */
export type RenderTemplate = (
  name: string,
  context: Record<string, unknown>,
) => Promise<RenderedTemplate>;
