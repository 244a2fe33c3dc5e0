import { gzipSync } from 'node:zlib';
import {
  type AttachmentOptions,
  type ResolvedAttachment,
  resolveAttachments,
} from '@mailroom/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PDF,
  PNG,
  rejectionOf,
  startHttpServer,
  startRawServer,
  type TestServer,
} from './servers.js';

const local: AttachmentOptions = { allowPrivateNetworks: true };

function bytesOf(attachment: ResolvedAttachment | undefined): Buffer {
  if (attachment?.source.kind !== 'bytes') throw new Error('expected an in-memory attachment');
  return Buffer.from(attachment.source.bytes);
}

async function resolveOne(input: string | URL, options: AttachmentOptions = local) {
  const [attachment] = await resolveAttachments([input], options);
  if (attachment === undefined) throw new Error('nothing resolved');
  return attachment;
}

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  other = await startHttpServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ authorization: request.headers.authorization ?? null }));
  });
  server = await startHttpServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const send = (type: string, body: Buffer | string, extra: Record<string, string> = {}) => {
      response.writeHead(200, { 'content-type': type, ...extra });
      response.end(body);
    };
    const redirect = url.pathname.match(/^\/redirect\/(\d+)$/);
    if (redirect) {
      const left = Number(redirect[1]);
      response.writeHead(302, { location: left === 0 ? '/logo.png' : `/redirect/${left - 1}` });
      response.end();
      return;
    }
    switch (url.pathname) {
      case '/logo.png':
        return send('image/png', PNG);
      case '/generic/report.pdf':
        return send('application/octet-stream', PDF);
      case '/data.csv':
        return send('application/octet-stream', 'a,b\n1,2\n');
      case '/export.php':
        return send('text/csv', 'a,b\n1,2\n');
      case '/liar.png':
        return send('image/jpeg', PNG);
      case '/nothing':
        response.writeHead(200);
        return response.end(Buffer.from([1, 2, 3]));
      case '/download':
        return send('application/pdf', PDF, {
          'content-disposition':
            'attachment; filename="fallback.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf',
        });
      case '/plain-disposition':
        return send('text/plain', 'hi', {
          'content-disposition': 'attachment; filename="notes.txt"',
        });
      case '/files/Quarterly%20Report.pdf':
        return send('application/pdf', PDF);
      case '/dir/':
        return send('application/octet-stream', 'x');
      case '/echo':
        return send('application/json', JSON.stringify(request.headers));
      case '/to-other':
        response.writeHead(307, { location: other.url('/whoami') });
        return response.end();
      case '/to-self':
        response.writeHead(301, { location: '/echo' });
        return response.end();
      case '/missing':
        response.writeHead(404);
        return response.end('not here');
      case '/boom':
        response.writeHead(503);
        return response.end();
      case '/no-location':
        response.writeHead(302);
        return response.end();
      case '/gzip':
        return send('text/plain', gzipSync('hello'), { 'content-encoding': 'gzip' });
      case '/gzip-second-field':
        response.writeHead(200, [
          ['content-type', 'text/plain'],
          ['content-encoding', 'identity'],
          ['content-encoding', 'gzip'],
        ]);
        return response.end(gzipSync('hello'));
      case '/hold':
        return; // never answers
      case '/trickle':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('a');
        return; // never ends
      case '/delay':
        setTimeout(() => send('text/plain', 'late'), 200);
        return;
      case '/declared-huge':
        response.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        response.write(Buffer.alloc(1024));
        return; // the rest never comes
      case '/endless':
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        {
          const chunk = Buffer.alloc(16 * 1024, 7);
          const pump = () => {
            while (!response.destroyed && response.write(chunk));
            if (!response.destroyed) response.once('drain', pump);
          };
          pump();
        }
        return;
      case '/reset':
        request.socket.destroy();
        return;
      default:
        response.writeHead(500);
        response.end(`unexpected ${url.pathname}`);
    }
  });
});

afterAll(async () => {
  await server.close();
  await other.close();
});

describe('URL attachments: content types', () => {
  it('takes the type from magic bytes and the name from the path', async () => {
    const attachment = await resolveOne(server.url('/logo.png'));
    expect(attachment).toMatchObject({ filename: 'logo.png', contentType: 'image/png', size: 12 });
    expect(bytesOf(attachment).equals(PNG)).toBe(true);
  });

  it('prefers magic bytes over a generic server type', async () => {
    const attachment = await resolveOne(server.url('/generic/report.pdf'));
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.filename).toBe('report.pdf');
  });

  it('prefers magic bytes over a server type that contradicts them', async () => {
    expect((await resolveOne(server.url('/liar.png'))).contentType).toBe('image/png');
  });

  it('uses the extension when the server type is generic and the bytes prove nothing', async () => {
    expect((await resolveOne(server.url('/data.csv'))).contentType).toBe('text/csv');
  });

  it("prefers the server's specific type over a script's extension", async () => {
    expect((await resolveOne(server.url('/export.php'))).contentType).toBe('text/csv');
  });

  it('falls back to application/octet-stream', async () => {
    expect((await resolveOne(server.url('/nothing'))).contentType).toBe('application/octet-stream');
  });

  it('lets an explicit content type win', async () => {
    const [attachment] = await resolveAttachments(
      [{ url: server.url('/logo.png'), contentType: 'image/x-custom' }],
      local,
    );
    expect(attachment?.contentType).toBe('image/x-custom');
  });
});

describe('URL attachments: names', () => {
  it('takes the Content-Disposition filename* (RFC 8187) over filename and the path', async () => {
    expect((await resolveOne(server.url('/download?id=7'))).filename).toBe('résumé.pdf');
  });

  it('takes a plain Content-Disposition filename', async () => {
    expect((await resolveOne(server.url('/plain-disposition'))).filename).toBe('notes.txt');
  });

  it('percent-decodes the last path segment', async () => {
    expect((await resolveOne(server.url('/files/Quarterly%20Report.pdf'))).filename).toBe(
      'Quarterly Report.pdf',
    );
  });

  it('falls back to attachment-{n}.bin when the path ends in a slash', async () => {
    const resolved = await resolveAttachments(['data:,x', server.url('/dir/')], local);
    expect(resolved[1]?.filename).toBe('attachment-2.bin');
  });

  it('lets an explicit filename win', async () => {
    const [attachment] = await resolveAttachments(
      [{ url: new URL(server.url('/download')), filename: 'mine.pdf' }],
      local,
    );
    expect(attachment?.filename).toBe('mine.pdf');
  });

  it('names the attachment after the final URL of a redirect chain', async () => {
    expect((await resolveOne(server.url('/redirect/2'))).filename).toBe('logo.png');
  });
});

describe('URL attachments: requests', () => {
  it('asks for identity encoding and sends the caller headers', async () => {
    const [attachment] = await resolveAttachments(
      [{ url: server.url('/echo'), headers: { Authorization: 'Bearer t0k3n', 'X-Trace': '1' } }],
      local,
    );
    const echoed = JSON.parse(bytesOf(attachment).toString()) as Record<string, string>;
    expect(echoed['accept-encoding']).toBe('identity');
    expect(echoed.authorization).toBe('Bearer t0k3n');
    expect(echoed['x-trace']).toBe('1');
  });

  it('keeps the caller headers on a same-origin redirect', async () => {
    const [attachment] = await resolveAttachments(
      [{ url: server.url('/to-self'), headers: { authorization: 'Bearer same' } }],
      local,
    );
    expect(JSON.parse(bytesOf(attachment).toString()).authorization).toBe('Bearer same');
  });

  it('drops the caller headers when a redirect leaves the origin', async () => {
    const [attachment] = await resolveAttachments(
      [{ url: server.url('/to-other'), headers: { authorization: 'Bearer secret' } }],
      local,
    );
    expect(JSON.parse(bytesOf(attachment).toString())).toEqual({ authorization: null });
  });

  it('refuses a server that sends compressed content despite identity', async () => {
    const error = await rejectionOf(resolveOne(server.url('/gzip')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details).toMatchObject({ reason: 'content-encoding', status: 200 });
  });

  it('refuses compressed content announced in a second Content-Encoding field', async () => {
    const error = await rejectionOf(resolveOne(server.url('/gzip-second-field')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.message).toContain('gzip-encoded');
    expect(error.details).toMatchObject({ reason: 'content-encoding' });
  });
});

describe('URL attachments: redirects', () => {
  it('follows a chain of 5 redirects', async () => {
    const attachment = await resolveOne(server.url('/redirect/4'));
    expect(bytesOf(attachment).equals(PNG)).toBe(true);
  });

  it('fails past 5 redirects', async () => {
    const error = await rejectionOf(resolveOne(server.url('/redirect/5')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details).toMatchObject({ field: 'attachments[0]', reason: 'redirects', limit: 5 });
  });

  it('fails on a redirect without a Location', async () => {
    const error = await rejectionOf(resolveOne(server.url('/no-location')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.status).toBe(302);
  });
});

describe('URL attachments: failures', () => {
  it('reports a 404 with its status', async () => {
    const error = await rejectionOf(resolveOne(server.url('/missing')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details).toMatchObject({ field: 'attachments[0]', status: 404 });
    expect(error.message).toContain('404');
  });

  it('reports a 503 with its status', async () => {
    const error = await rejectionOf(resolveOne(server.url('/boom')));
    expect(error.details.status).toBe(503);
  });

  it('reports a connection reset with its cause', async () => {
    const error = await rejectionOf(resolveOne(server.url('/reset')));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.reason).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
  });

  it('reports a refused connection', async () => {
    const closed = await startHttpServer(() => undefined);
    const url = closed.url('/gone');
    await closed.close();
    const error = await rejectionOf(resolveOne(url));
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.reason).toBe('ECONNREFUSED');
  });

  it('times out a server that never answers, and drops the request', async () => {
    const started = Date.now();
    const error = await rejectionOf(resolveOne(server.url('/hold'), { ...local, timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details).toMatchObject({ reason: 'timeout', timeoutMs: 300 });
    await expect.poll(() => server.aborted).toContain('/hold');
  });

  it('times out a body that trickles in', async () => {
    const error = await rejectionOf(
      resolveOne(server.url('/trickle'), { ...local, timeoutMs: 300 }),
    );
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.reason).toBe('timeout');
  });
});

describe('URL attachments: size limits', () => {
  it('refuses from Content-Length before downloading', async () => {
    const started = Date.now();
    const error = await rejectionOf(resolveOne(server.url('/declared-huge')));
    expect(error.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(error.details).toEqual({
      field: 'attachments[0]',
      size: 50 * 1024 * 1024,
      limit: 25 * 1024 * 1024,
    });
    // The body never completes: only an up-front refusal can be this quick.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('cuts off a body without Content-Length at the limit', async () => {
    const error = await rejectionOf(
      resolveOne(server.url('/endless'), { ...local, maxBytes: 100_000 }),
    );
    expect(error.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(error.details.limit).toBe(100_000);
    expect(error.details.size as number).toBeGreaterThan(100_000);
    expect(error.details.size as number).toBeLessThan(100_000 + 128 * 1024);
    await expect.poll(() => server.aborted).toContain('/endless');
  });

  it('counts a close-delimited body (no length, no chunks) and cuts it off', async () => {
    const raw = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    try {
      const error = await rejectionOf(resolveOne(raw.url('/x'), { ...local, maxBytes: 200_000 }));
      expect(error.code).toBe('ATTACHMENT_TOO_LARGE');
    } finally {
      await raw.close();
    }
  });

  it('never takes more than Content-Length from a server that sends more', async () => {
    const raw = await startRawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello${'X'.repeat(1_000_000)}`);
    });
    try {
      const attachment = await resolveOne(raw.url('/x'), { ...local, maxBytes: 1000 });
      expect(attachment.size).toBe(5);
      expect(bytesOf(attachment).toString()).toBe('hello');
    } finally {
      await raw.close();
    }
  });

  it('fails a body shorter than its Content-Length', async () => {
    const raw = await startRawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello');
    });
    try {
      const error = await rejectionOf(resolveOne(raw.url('/x')));
      expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    } finally {
      await raw.close();
    }
  });

  it('counts downloads against maxTotalBytes', async () => {
    const error = await rejectionOf(
      resolveAttachments([server.url('/logo.png'), server.url('/logo.png')], {
        ...local,
        maxTotalBytes: 20,
      }),
    );
    expect(error.code).toBe('ATTACHMENT_TOTAL_TOO_LARGE');
    expect(error.details).toMatchObject({ size: 24, limit: 20 });
  });
});

describe('URL attachments: concurrency and cancellation', () => {
  it('fetches ten 200 ms URLs concurrently', async () => {
    const started = Date.now();
    const resolved = await resolveAttachments(
      Array.from({ length: 10 }, (_, index) => server.url(`/delay?n=${index}`)),
      local,
    );
    const elapsed = Date.now() - started;
    expect(resolved).toHaveLength(10);
    expect(resolved.every((attachment) => bytesOf(attachment).toString() === 'late')).toBe(true);
    // Sequentially this takes 2 s; 8 at a time, two rounds of 200 ms.
    expect(elapsed).toBeLessThan(1000);
  });

  it('returns attachments in input order whatever order they finish in', async () => {
    const resolved = await resolveAttachments(
      [server.url('/delay?first'), 'data:,second', server.url('/logo.png')],
      local,
    );
    expect(resolved.map((attachment) => attachment.size)).toEqual([4, 6, 12]);
  });

  it('aborts in-flight downloads when another attachment fails', async () => {
    const started = Date.now();
    const error = await rejectionOf(
      resolveAttachments([server.url('/hold?cancel'), server.url('/missing')], local),
    );
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.field).toBe('attachments[1]');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => server.aborted).toContain('/hold?cancel');
  });

  it("aborts in-flight downloads on the caller's signal", async () => {
    const controller = new AbortController();
    const pending = resolveAttachments([server.url('/hold?signal')], local, controller.signal);
    await expect.poll(() => server.requests).toContain('/hold?signal');
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    await expect.poll(() => server.aborted).toContain('/hold?signal');
  });

  it('starts nothing when the signal is already aborted', async () => {
    const before = server.requests.length;
    await expect(
      resolveAttachments([server.url('/logo.png')], local, AbortSignal.abort(new Error('no'))),
    ).rejects.toThrow('no');
    expect(server.requests.length).toBe(before);
  });
});

describe('URL attachments: injected lookup', () => {
  it('connects to the address the lookup gave and keeps the host name', async () => {
    const asked: string[] = [];
    const [attachment] = await resolveAttachments([`http://assets.test:${server.port}/echo`], {
      allowPrivateNetworks: true,
      lookup: async (hostname) => {
        asked.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(JSON.parse(bytesOf(attachment).toString()).host).toBe(`assets.test:${server.port}`);
    // Resolved once, checked, and that answer used for the connection.
    expect(asked).toEqual(['assets.test']);
  });

  it('resolves every hop of a redirect chain again', async () => {
    const asked: string[] = [];
    await resolveAttachments([`http://assets.test:${server.port}/redirect/1`], {
      allowPrivateNetworks: true,
      lookup: async (hostname) => {
        asked.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(asked).toEqual(['assets.test', 'assets.test', 'assets.test']);
  });

  it('reports a name that does not resolve', async () => {
    const error = await rejectionOf(
      resolveOne(`http://nowhere.test:${server.port}/`, {
        ...local,
        lookup: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), {
            code: 'ENOTFOUND',
          });
        },
      }),
    );
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
    expect(error.details.reason).toBe('ENOTFOUND');
  });

  it('reports a lookup with no answer', async () => {
    const error = await rejectionOf(
      resolveOne(`http://empty.test:${server.port}/`, { ...local, lookup: async () => [] }),
    );
    expect(error.code).toBe('ATTACHMENT_FETCH_FAILED');
  });

  it('connects to an allowed IPv6 literal and to an IPv6 lookup answer', async () => {
    const v6 = await startHttpServer((_, response) => response.end('over IPv6'), '::1');
    try {
      const resolved = await resolveAttachments(
        [v6.url('/a.txt'), `http://v6.test:${v6.port}/b.txt`],
        { allowPrivateNetworks: true, lookup: async () => [{ address: '::1', family: 6 }] },
      );
      expect(resolved.map((attachment) => bytesOf(attachment).toString())).toEqual([
        'over IPv6',
        'over IPv6',
      ]);
    } finally {
      await v6.close();
    }
  });

  it('uses the system resolver by default (localhost)', async () => {
    const attachment = await resolveOne(`http://localhost:${server.port}/logo.png`);
    expect(attachment.size).toBe(12);
  });
});

describe('URL attachments: URL objects', () => {
  it('accepts a URL object, and is not affected by later changes to it', async () => {
    const url = new URL(server.url('/logo.png'));
    const pending = resolveAttachments([url], local);
    url.pathname = '/missing';
    const [attachment] = await pending;
    expect(attachment?.contentType).toBe('image/png');
  });
});
