import {
  composeMime,
  type ResolvedMessage,
  resolveMessage,
  type SendEmailInput,
} from '@mailroom/core';
import { describe, expect, it } from 'vitest';

const from = { address: 'app@example.com', name: 'App' };

function resolve(body: Partial<SendEmailInput>): Promise<ResolvedMessage> {
  return resolveMessage({ to: 'alice@example.com', subject: 'Hello', ...body }, { from });
}

const newsletter = `<!doctype html>
<html>
  <head>
    <title>Newsletter title</title>
    <style>p { color: red; } .hidden-style-marker { display: none }</style>
  </head>
  <body>
    <script>window.trackingScriptMarker = "do not show";</script>
    <p>Hello &amp; welcome, Ren&eacute;e&#39;s friend.</p>
    <p>Line one<br>Line two</p>
    <p>Read <a href="https://example.com/docs">our docs</a>.</p>
    <p>&lt;b&gt;literal tags&lt;/b&gt; and 5 &gt; 3</p>
  </body>
</html>`;

describe('resolveMessage bodies', () => {
  it('text only: a text part and no HTML part', async () => {
    const message = await resolve({ text: 'Plain & simple.\n\nSecond paragraph.' });
    expect(message.text).toBe('Plain & simple.\n\nSecond paragraph.');
    expect(message.html).toBeUndefined();
    expect('html' in message).toBe(false);
  });

  it('ends lines with LF alone in both parts: CRLF and bare CR become LF', async () => {
    const message = await resolve({
      text: 'one\r\ntwo\rthree\nfour',
      html: '<p>a</p>\r\n<p>b</p>\r',
    });
    expect(message.text).toBe('one\ntwo\nthree\nfour');
    expect(message.html).toBe('<p>a</p>\n<p>b</p>\n');
  });

  describe('html only: the HTML is kept and a readable text part is generated', () => {
    it('keeps the HTML exactly as given', async () => {
      const message = await resolve({ html: newsletter });
      expect(message.html).toBe(newsletter);
    });

    it('keeps paragraphs as blank-line separated blocks and <br> as a line break', async () => {
      const { text } = await resolve({ html: newsletter });
      const blocks = text.split(/\n{2,}/);
      expect(blocks).toContain("Hello & welcome, Renée's friend.");
      expect(blocks).toContain('Line one\nLine two');
    });

    it('shows a link with its URL', async () => {
      const { text } = await resolve({ html: newsletter });
      expect(text).toContain('our docs');
      expect(text).toContain('https://example.com/docs');
      expect(text.indexOf('https://example.com/docs')).toBeGreaterThan(text.indexOf('our docs'));
    });

    it('shows a link whose text is its URL only once', async () => {
      const { text } = await resolve({
        html: '<p><a href="https://example.com/">https://example.com/</a></p>',
      });
      expect(text.split('https://example.com/')).toHaveLength(2);
    });

    it('drops script and style content and the head title', async () => {
      const { text } = await resolve({ html: newsletter });
      expect(text).not.toContain('trackingScriptMarker');
      expect(text).not.toContain('do not show');
      expect(text).not.toContain('hidden-style-marker');
      expect(text).not.toContain('color: red');
      expect(text).not.toContain('Newsletter title');
    });

    it('decodes entities and leaves no HTML markup or entity behind', async () => {
      const { text } = await resolve({ html: newsletter });
      expect(text).toContain("Hello & welcome, Renée's friend.");
      expect(text).toContain('<b>literal tags</b> and 5 > 3');
      expect(text).not.toMatch(/&(?:amp|eacute|lt|gt|#39);/);
      expect(text).not.toContain('<p>');
      expect(text).not.toContain('<a ');
    });

    it('shows an image by its alt text, never by its source', async () => {
      const { text } = await resolve({
        html:
          '<p>Hi <img src="cid:logo@app" alt=" App logo "> there</p>' +
          '<p><a href="https://shop.example/sale"><img src="https://shop.example/b.png" alt="Summer sale"></a></p>' +
          '<img src="https://track.example/p.gif" width="1" height="1">',
      });
      expect(text).toBe('Hi App logo there\n\nSummer sale [https://shop.example/sale]');
    });

    it('gives an email that is one banner image a text part: its alt text', async () => {
      const message = await resolve({
        html: '<p><img src="https://shop.example/banner.png" alt="Summer sale: 50% off everything"></p>',
      });
      expect(message.text).toBe('Summer sale: 50% off everything');
      const mime = (await composeMime(message)).toString();
      expect(mime).toContain('Content-Type: multipart/alternative');
      expect(mime).toMatch(/Content-Type: text\/plain[\s\S]*Summer sale: 50% off everything/);
    });

    it('decodes numeric, hex and named entities outside paragraphs too', async () => {
      const { text } = await resolve({ html: 'caf&eacute; &#233; &#xE9; &copy; &quot;q&quot;' });
      expect(text).toBe('café é é © "q"');
    });
  });

  describe('markdown: HTML rendered from it, the Markdown itself as the text part', () => {
    const markdown =
      '# Welcome\n\nSome **bold** text and a [link](https://example.com/).\n\n- one\n- two\n';

    it('renders the Markdown to HTML', async () => {
      const { html } = await resolve({ markdown });
      expect(html).toContain('<h1>Welcome</h1>');
      expect(html).toContain('<strong>bold</strong>');
      expect(html).toContain('<a href="https://example.com/">link</a>');
      expect(html).toMatch(/<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    });

    it('uses the Markdown source, unchanged, as the text part', async () => {
      const { text } = await resolve({ markdown });
      expect(text).toBe(markdown);
    });
  });

  describe('an explicit text wins over the generated one', () => {
    it('with html', async () => {
      const message = await resolve({ html: newsletter, text: 'My own text part' });
      expect(message.text).toBe('My own text part');
      expect(message.html).toBe(newsletter);
    });

    it('with markdown', async () => {
      const message = await resolve({ markdown: '# Hi', text: 'My own text part' });
      expect(message.text).toBe('My own text part');
      expect(message.html).toContain('<h1>Hi</h1>');
    });
  });

  it('lays out table cells as columns in the generated text', async () => {
    const message = await resolveMessage({
      from: 'app@example.com',
      to: 'a@example.com',
      subject: 'Invoice',
      html: '<table><tr><td>Team plan</td><td>€ 40.00</td></tr><tr><td>Tax</td><td>€ 8.00</td></tr></table>',
    });
    expect(message.text).toBe('Team plan   € 40.00\nTax         € 8.00');
  });

  it('refuses html and markdown together', async () => {
    await expect(resolve({ html: '<p>a</p>', markdown: 'a' })).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'INVALID_INPUT',
      details: { field: 'markdown' },
    });
  });

  it('refuses a message without any body', async () => {
    await expect(resolve({})).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'INVALID_INPUT',
    });
  });
});
