/** TLS settings for the SMTP connection. */
export interface SmtpTlsOptions {
  /**
   * Verify the server's certificate (default true). Set false only for local test
   * servers with self-signed certificates; prefer `ca` to trust a private CA.
   */
  rejectUnauthorized?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Server name for SNI and certificate checks, when it differs from `host`. */
  servername?: string;
  /** Lowest TLS version to accept, such as `TLSv1.2` (the default). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Options of {@link smtpBackend}. */
export interface SmtpBackendOptions {
  /**
   * A connection URL instead of host/port/auth: `smtp://user:pass@host:587` (STARTTLS
   * when offered) or `smtps://user:pass@host:465` (implicit TLS). Query parameters
   * `requireTLS=true` and `rejectUnauthorized=false` are understood. Explicit options win.
   */
  url?: string;
  /** Server host name. */
  host?: string;
  /** Server port. Default 465 with `secure`, else 587. */
  port?: number;
  /** Implicit TLS from the first byte (port 465). Default false: STARTTLS when offered. */
  secure?: boolean;
  /**
   * Refuse to send unless the connection is upgraded with STARTTLS. Default: true when
   * `auth` is set (credentials never go in clear), false otherwise.
   */
  requireTLS?: boolean;
  /** Credentials for SMTP AUTH. */
  auth?: { user: string; pass: string };
  /** Keep a pool of connections open (default true). */
  pool?: boolean;
  /** Connections in the pool. Default 5. */
  maxConnections?: number;
  /** Messages sent on one pooled connection before it is replaced. Default 100. */
  maxMessages?: number;
  /**
   * How long a pooled connection may sit idle before it is closed, in ms. Default 2000:
   * long enough to reuse connections through a burst, short enough that a script that
   * sends and ends exits soon after without calling `close()`.
   */
  idleTimeoutMs?: number;
  /** Time allowed to open the TCP connection, in ms. Default 10 000. */
  connectionTimeoutMs?: number;
  /** Time allowed for the server's greeting, in ms. Default 10 000. */
  greetingTimeoutMs?: number;
  /** Inactivity allowed on an open connection, in ms. Default 60 000. */
  socketTimeoutMs?: number;
  /** TLS settings. */
  tls?: SmtpTlsOptions;
  /** Host name this client announces in EHLO. Default: the machine's host name. */
  name?: string;
}
