import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTemplateRenderer } from '@mailroom/core';
import { Marked } from 'marked';
import nunjucks from 'nunjucks';
import { childrenPerRound } from '../lib/children-per-round.js';

// S7: a Markdown template with front matter (subject, layout) rendered many times.
// Mailroom: `createTemplateRenderer({ dir })` (what `send({ template })` uses), cached.
// Raw: nunjucks and marked with every template compiled once, producing the same three
// parts: the subject, the HTML (Markdown rendered with autoescape, through marked, into
// the layout) and the text (the Markdown rendered without escaping, so that it holds no
// HTML entities, as Mailroom's contract requires). The two must produce the same email
// byte for byte. Each side renders in a process of its own (children/template-child.js),
// a fresh one every round; each round renders in slices, the two sides taking turns
// slice by slice.

/** The template directory: welcome.md (front matter: subject, layout) and layout.html. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../fixtures/templates/', import.meta.url));
const CHILD = fileURLToPath(new URL('../children/template-child.js', import.meta.url));
const SLICES = 10;

export const CONTEXT = {
  appName: 'Mailroom',
  user: { name: 'Ada Lovelace' },
  plan: 'Team',
  renewal: '1 March 2027',
  dashboardUrl: 'https://app.example.com/dashboard',
  items: [
    { title: 'Invite your team', description: 'add people and share templates.' },
    { title: 'Connect SMTP', description: 'send through your own provider.' },
    { title: 'Queue in Redis', description: 'deliver in the background with retries.' },
    { title: 'Write templates', description: 'Markdown with a layout, like this one.' },
    { title: 'Watch events', description: 'sent, retrying, failed, fallback.' },
  ],
};

/** The raw pipeline: every template compiled once, then rendered with nunjucks and marked. */
export function rawRenderer() {
  const options = { trimBlocks: true, lstripBlocks: true };
  const loader = new nunjucks.FileSystemLoader(TEMPLATES_DIR);
  const html = new nunjucks.Environment(loader, { ...options, autoescape: true });
  const text = new nunjucks.Environment(loader, { ...options, autoescape: false });
  const source = readFileSync(`${TEMPLATES_DIR}welcome.md`, 'utf8');
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (!frontMatter) throw new Error('S7: welcome.md has no front matter');
  const subjectSource = /^subject:\s*(.*)$/m.exec(frontMatter[1] ?? '')?.[1] ?? '';
  const body = source.slice(frontMatter[0].length);
  const compile = (src, env) => {
    const template = new nunjucks.Template(src, env);
    template.render({ ...CONTEXT, content: '' }); // compiles now, not on first use
    return template;
  };
  const bodyHtml = compile(body, html);
  const bodyText = compile(body, text);
  const subject = compile(subjectSource, text);
  const layout = compile(
    '{% extends "layout.html" %}{% block content %}{{ content | safe }}{% endblock %}',
    html,
  );
  const marked = new Marked({ gfm: true, async: false });
  return (context) => ({
    subject: subject.render(context),
    html: layout.render({ ...context, content: marked.parse(bodyHtml.render(context)) }),
    text: bodyText.render(context).trim(),
  });
}

/** @param {import('../run.js').Context} ctx */
export async function s7(ctx) {
  const count = ctx.size(10_000);
  const mailroom = createTemplateRenderer({ dir: TEMPLATES_DIR });
  const raw = rawRenderer();
  const ours = await mailroom('welcome', CONTEXT);
  const theirs = raw(CONTEXT);
  if (!ours.subject?.includes('Ada Lovelace') || !ours.html?.includes('<li>')) {
    throw new Error('S7: Mailroom produced unexpected output');
  }
  // Both sides must do the same work: the same subject, HTML and text, byte for byte.
  const sameOutput =
    ours.subject === theirs.subject && ours.html === theirs.html && ours.text === theirs.text;
  if (!sameOutput) throw new Error('S7: the two pipelines produce different emails');

  // Each side renders in a process of its own (see children/template-child.js), started
  // afresh for every round.
  const children = childrenPerRound(CHILD, {
    mailroom: ['mailroom', String(count)],
    raw: ['raw', String(count)],
  });
  // Each round: the renders in SLICES slices per side, the sides taking turns.
  const perSlice = Math.max(1, Math.round(count / SLICES));
  const runs = await ctx.interleave(
    SLICES,
    perSlice,
    async (side, n) => (await children.of(side).request({ type: 'round', count: n })).ms,
    children,
  );
  return ctx.throughput(runs, {
    count,
    sameOutput,
    htmlBytes: ours.html?.length,
    processPerRound: true,
  });
}
