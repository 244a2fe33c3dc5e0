// A line holding nothing but template tags or comments outputs no Markdown of its own.
const TAG_ONLY_LINE = /^[ \t]*(?:\{%.*%\}|\{#.*#\})[ \t]*\r?$/;

/**
 * The leading whitespace shared by the lines of a Markdown template's source that hold
 * Markdown: blank lines and lines of nothing but `{% … %}` tags or `{# … #}` comments
 * do not count. Empty when some line starts at the margin.
 */
export function commonIndent(source: string): string {
  let indent: string | undefined;
  for (const line of source.split('\n')) {
    if (line.trim() === '' || TAG_ONLY_LINE.test(line)) continue;
    const lead = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (indent === undefined) {
      indent = lead;
    } else {
      let shared = 0;
      while (shared < indent.length && indent[shared] === lead[shared]) shared += 1;
      indent = indent.slice(0, shared);
    }
    if (indent === '') return '';
  }
  return indent ?? '';
}

/**
 * Removes the {@link commonIndent} from every line of a Markdown template's source that
 * starts with it, so Markdown written indented (inside `{% block %}` or `{% if %}`, with
 * the tags at the margin) is not read as an indented code block. Only whitespace at the
 * start of lines goes: line numbers stay, and values inserted later are untouched.
 */
export function dedentMarkdown(source: string): string {
  const indent = commonIndent(source);
  if (indent === '') return source;
  return source
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
}
