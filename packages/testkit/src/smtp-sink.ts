import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A reply the sink gives instead of accepting. */
export interface SmtpReply {
  code: number;
  message: string;
}

/** One message the sink received. */
export interface ReceivedMessage {
  /** MAIL FROM. */
  mailFrom: string;
  /** RCPT TO, in order. */
  rcptTo: string[];
  /** The raw RFC 5322 message. */
  raw: Buffer;
  /** The message as mailparser reads it (as a mail client sees it). */
  parsed: ParsedMail;
  /** The user that authenticated, if any. */
  user?: string;
  /** True when the session used TLS (implicit or STARTTLS). */
  secure: boolean;
}

/** Options of {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /** Implicit TLS (smtps). */
  secure?: boolean;
  /** Key and certificate for TLS; default: smtp-server's built-in (expired) certificate. */
  certificate?: { key: string; cert: string };
  /** Disable STARTTLS. */
  disableStartTls?: boolean;
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /** Reply to DATA of the n-th message (1-based) with this instead of accepting. */
  dataReply?: (attempt: number) => SmtpReply | undefined;
  /**
   * Drop the connection, without a reply, at the n-th MAIL FROM (1-based, across
   * connections) when this says so: a server that went away between two messages.
   */
  dropAtMailFrom?: (attempt: number) => boolean;
  /** Reply to RCPT TO of an address with this instead of accepting. */
  rcptReply?: (address: string) => SmtpReply | undefined;
  /** Extra time before answering DATA, in ms. */
  dataDelayMs?: number;
}

/** The part of smtp-server's own connection object that dropAtMailFrom needs. */
interface ServerConnection {
  session: unknown;
  _socket: { destroy(): void };
}

/** A running in-process SMTP server for tests. */
export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** Messages accepted so far. */
  readonly messages: ReceivedMessage[];
  /** How many DATA commands were answered, accepted or not. */
  readonly dataAttempts: number;
  /** Resolves when at least `count` messages arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/**
 * Starts a real SMTP server (the `smtp-server` package) on a free loopback port and
 * parses each accepted message with mailparser.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const waiters: Array<() => void> = [];
  let dataAttempts = 0;
  let mailFromAttempts = 0;
  const serverOptions: SMTPServerOptions = {
    secure: options.secure ?? false,
    ...(options.certificate ?? {}),
    disabledCommands: [
      ...(options.auth ? [] : ['AUTH']),
      ...(options.disableStartTls ? ['STARTTLS'] : []),
    ],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      const ok =
        options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    onMailFrom(_address, session, callback) {
      mailFromAttempts += 1;
      if (options.dropAtMailFrom?.(mailFromAttempts)) {
        // smtp-server has no API for this: its connections are kept in `connections`,
        // each with its session and socket.
        const connections = (server as unknown as { connections: Set<ServerConnection> })
          .connections;
        for (const connection of connections) {
          if (connection.session === session) connection._socket.destroy();
        }
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      const reply = options.rcptReply?.(address.address);
      callback(reply ? replyError(reply) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        dataAttempts += 1;
        const reply = options.dataReply?.(dataAttempts);
        const finish = async (): Promise<void> => {
          if (reply) return callback(replyError(reply));
          const raw = Buffer.concat(chunks);
          messages.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
            parsed: await simpleParser(raw),
            ...(typeof session.user === 'string' ? { user: session.user } : {}),
            secure: session.secure,
          });
          callback();
          for (const wake of waiters.splice(0)) wake();
        };
        setTimeout(() => void finish(), options.dataDelayMs ?? 0);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // A client killed mid-message (a worker under SIGKILL) resets its socket: that is a
  // scenario under test, not a failure of the sink.
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages,
    get dataAttempts() {
      return dataAttempts;
    },
    async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMessage[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`SMTP sink: expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
