import { TemplateError } from '../errors.js';

/** One front matter value and the line of the template file it is on. */
export interface FrontMatterEntry {
  /** The value, trimmed, without surrounding quotes. */
  value: string;
  /** 1-based line in the template file. */
  line: number;
}

/**
 * The settings a template file may declare in front matter:
 *
 * ```
 * ---
 * subject: Welcome to {{ appName }}, {{ user.name }}!
 * layout: layout.html
 * ---
 * ```
 */
export interface FrontMatter {
  /** The email's subject: a one-line nunjucks template rendered as plain text. */
  subject?: FrontMatterEntry;
  /** Markdown templates only: an HTML template whose `content` block receives the HTML. */
  layout?: FrontMatterEntry;
}

/** A template file split into its front matter and its nunjucks body. */
export interface TemplateSource {
  /** The declared settings. */
  frontMatter: FrontMatter;
  /** The nunjucks source after the front matter. */
  body: string;
  /** The 1-based line of the file that `body` starts on. */
  bodyLine: number;
}

const FENCE = /^---[ \t]*\r?$/;
const ENTRY = /^([A-Za-z][\w-]*)[ \t]*:(.*)$/;
const KEYS = new Set<keyof FrontMatter>(['subject', 'layout']);

function frontMatterError(template: string, line: number, reason: string): TemplateError {
  return new TemplateError(
    'TEMPLATE_RENDER',
    `template ${JSON.stringify(template)} has invalid front matter at line ${line}: ${reason}`,
    { details: { template, line } },
  );
}

function unquote(value: string): string {
  const quote = value[0];
  if (value.length >= 2 && (quote === '"' || quote === "'") && value.endsWith(quote)) {
    return value.slice(1, -1);
  }
  return value;
}

/**
 * Splits the front matter (a block of `key: value` lines between `---` lines at the very
 * top of the file) from a template's source. Known keys are `subject` and `layout`;
 * anything else is refused as a likely typo, with `TEMPLATE_RENDER` naming the line.
 * Blank lines and `#` comments are allowed inside the block.
 */
export function splitFrontMatter(source: string, template: string): TemplateSource {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const lines = text.split('\n');
  if (!FENCE.test(lines[0] ?? '')) return { frontMatter: {}, body: text, bodyLine: 1 };
  const close = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  if (close === -1) throw frontMatterError(template, 1, 'the opening --- is never closed');
  const frontMatter: FrontMatter = {};
  for (let index = 1; index < close; index += 1) {
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const entry = ENTRY.exec(line);
    if (!entry) throw frontMatterError(template, index + 1, 'expected "key: value"');
    const key = entry[1] as keyof FrontMatter;
    if (!KEYS.has(key)) {
      throw frontMatterError(
        template,
        index + 1,
        `unknown key ${JSON.stringify(key)} (known: ${[...KEYS].join(', ')})`,
      );
    }
    if (frontMatter[key] !== undefined) {
      throw frontMatterError(template, index + 1, `${key} is given twice`);
    }
    const value = unquote((entry[2] ?? '').trim());
    if (value === '') throw frontMatterError(template, index + 1, `${key} is empty`);
    frontMatter[key] = { value, line: index + 1 };
  }
  return { frontMatter, body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}

/**
 * The source nunjucks compiles for a body starting on line `bodyLine` of its file: the
 * front matter's lines become an empty nunjucks comment, so nothing is output for them
 * and errors still report the file's own line numbers.
 */
export function bodySource(body: string, bodyLine: number): string {
  return bodyLine === 1 ? body : `{#${'\n'.repeat(bodyLine - 1)}#}${body}`;
}
