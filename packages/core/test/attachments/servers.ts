import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';

/** A real server on a free loopback port, for URL attachment tests. */
export interface TestServer {
  /** `http://{host}:{port}`. */
  readonly origin: string;
  readonly port: number;
  /** Request paths in arrival order. */
  readonly requests: string[];
  /** Requests whose connection closed before the response ended: aborted by the client. */
  readonly aborted: string[];
  /** Headers of each request, in arrival order. */
  readonly headers: IncomingMessage['headers'][];
  url(path: string): string;
  close(): Promise<void>;
}

/** Starts a node:http server on `host` (127.0.0.1) with `handler` answering every request. */
export async function startHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const requests: string[] = [];
  const aborted: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    headers.push(request.headers);
    response.on('close', () => {
      if (!response.writableFinished) aborted.push(path);
    });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    requests,
    aborted,
    headers,
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts a TCP server on 127.0.0.1 that answers each HTTP request with whatever
 * `respond` writes to the socket: for servers that break HTTP on purpose.
 */
export async function startRawServer(respond: (socket: Socket) => void): Promise<TestServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (data) => {
      requests.push(data.toString('latin1').split(' ')[1] ?? '');
      respond(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    requests,
    aborted: [],
    headers: [],
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a rejected attachment call is checked for. */
export interface CaughtError {
  name: string;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Awaits `promise`, which must reject with a Mailroom error, and returns that error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      return error as unknown as CaughtError;
    }
    throw error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The 8-byte PNG signature followed by a few bytes: enough for detection. */
export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** A minimal PDF header. */
export const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
