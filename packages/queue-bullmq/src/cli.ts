import { parseArgs } from 'node:util';
import { MailroomError, mailerConfigFromEnv } from '@mailroom/core';
import { startEmailWorker } from './email-worker.js';
import { integerArgument } from './integer-options.js';
import { failureReason, type JobOutcome } from './job-outcome.js';
import { type FinishedState, openQueueAdmin } from './queue-admin.js';
import type { QueueEnv } from './queue-target.js';

/** Where the CLI writes: outcomes to `out`, status and errors to `err`. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `Usage: mailroom-worker [command] [options]

Commands:
  run                      Deliver queued emails until SIGTERM or SIGINT (default)
  counts                   Show the queue's jobs by state
  retry-failed             Move failed jobs back to waiting, with their attempts reset
  clean --age <seconds>    Remove finished jobs older than <seconds>
        [--status completed|failed]   only this state (default: both)

Options:
  --queue <name>           Queue name (default: emails)
  --concurrency <n>        Emails delivered at once by "run" (default: 5)
  --json                   Print "counts" as JSON
  -h, --help               Show this help

Environment:
  MAIL_QUEUE_POSTGRES_URL  PostgreSQL queue (postgres://user:pass@host:5432/db), or
  REDIS_URL                Redis queue (redis://host:6379); Postgres wins when both are set
  MAIL_BACKEND, SMTP_URL   Delivery backend for "run", required: MAIL_BACKEND=smtp with
                           SMTP_URL (smtp://user:pass@host:587), or MAIL_BACKEND=console
                           to print emails without delivering them (development only)
  MAIL_FROM                Default sender

"run" prints one line per job outcome:
  sent <jobId> <messageId> to=<accepted>
  retry <jobId> attempt <n>/<max> <code> [<smtp code>] <reason> (next in <s>s)
  failed <jobId> <code> [<smtp code>] <reason> (attempt <n>/<max>)
  stalled <jobId> (its worker stopped; it runs again)`;

class UsageError extends Error {}

/** `run` without an explicit MAIL_BACKEND: bad usage (exit 2), but no help screen. */
class BackendChoiceError extends Error {}

const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ');

/** Formats one job outcome as the single line `run` prints. */
function formatOutcome(outcome: JobOutcome): string {
  switch (outcome.status) {
    case 'sent': {
      const rejected = outcome.rejected.length > 0 ? ` rejected=${outcome.rejected.length}` : '';
      return `sent ${outcome.jobId} ${outcome.messageId} to=${outcome.accepted.length}${rejected}`;
    }
    case 'retry': {
      const next = (outcome.delayMs / 1000).toFixed(1);
      return oneLine(
        `retry ${outcome.jobId} attempt ${outcome.attempt}/${outcome.attempts} ${failureReason(outcome.failure)} (next in ${next}s)`,
      );
    }
    case 'failed':
      return oneLine(
        `failed ${outcome.jobId} ${failureReason(outcome.failure)} (attempt ${outcome.attempt}/${outcome.attempts})`,
      );
    case 'stalled':
      return `stalled ${outcome.jobId} (its worker stopped; it runs again)`;
  }
}

/**
 * The backend `run` delivers through must be chosen: the library default (Console)
 * prints emails and marks their jobs done, so a production worker left without
 * MAIL_BACKEND would lose every email. Returns the line to print, or throws.
 */
function checkBackendChoice(env: QueueEnv): string | undefined {
  const kind = env.MAIL_BACKEND?.trim();
  if (!kind) {
    throw new BackendChoiceError(
      'MAIL_BACKEND is not set: set MAIL_BACKEND=smtp with SMTP_URL (smtp://user:pass@host:587) ' +
        'to deliver, or MAIL_BACKEND=console to print emails without delivering them (development)',
    );
  }
  if (kind === 'console') {
    return 'mailroom-worker: warning: MAIL_BACKEND=console prints emails and delivers nothing; use MAIL_BACKEND=smtp with SMTP_URL in production';
  }
  return undefined;
}

function nonNegativeNumber(value: string | undefined, flag: string): number {
  const number = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new UsageError(`${flag} <seconds> is required and must be a number >= 0`);
  }
  return number;
}

function finishedStates(value: string | undefined): FinishedState[] {
  if (value === undefined) return ['completed', 'failed'];
  if (value === 'completed' || value === 'failed') return [value];
  throw new UsageError('--status must be "completed" or "failed"');
}

/** Runs a worker until the first SIGTERM or SIGINT, then drains it and resolves 0. */
async function runWorker(
  env: QueueEnv,
  name: string | undefined,
  concurrency: number | undefined,
  io: CliOutput,
): Promise<number> {
  const warning = checkBackendChoice(env);
  if (warning) io.err(warning);
  // The worker only delivers: it never needs a queue of its own, whatever MAIL_QUEUE says.
  const { backend } = await mailerConfigFromEnv({ ...env, MAIL_QUEUE: 'none' });
  let stopping: ((signal: NodeJS.Signals) => void) | undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stopping = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      stopping(signal);
      stopping = undefined;
      return;
    }
    io.err(`mailroom-worker: ${signal} again, exiting without waiting`);
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let lastError: string | undefined;
  try {
    const starting = startEmailWorker(
      {
        backend,
        ...(name === undefined ? {} : { name }),
        ...(concurrency === undefined ? {} : { concurrency }),
        onJob: (outcome) => io.out(formatOutcome(outcome)),
        onError: (error) => {
          // A datastore that is away fails every reconnect alike: say it once.
          const line = `mailroom-worker: ${oneLine(error.message)}`;
          if (line !== lastError) io.err(line);
          lastError = line;
        },
      },
      env,
    );
    // On Redis the worker waits for the server to come up; a signal meanwhile ends it.
    const worker = await Promise.race([starting, stopped]);
    if (typeof worker === 'string') {
      io.err(`mailroom-worker: ${worker} before the queue was reached, stopped`);
      starting.then((late) => late.close()).catch(() => undefined);
      return 0;
    }
    io.err(
      `mailroom-worker: delivering queue "${name ?? 'emails'}" through ${backend.name} (concurrency ${concurrency ?? 5})`,
    );
    const signal = await stopped;
    io.err(`mailroom-worker: ${signal}, finishing ${worker.inFlight} job(s) in flight`);
    await worker.close();
    io.err('mailroom-worker: stopped');
    return 0;
  } finally {
    await backend.close?.();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * The `mailroom-worker` command: parses `argv` (without `node` and the script) and
 * returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function runCli(argv: string[], env: QueueEnv, io: CliOutput): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        age: { type: 'string' },
        status: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    const command = positionals[0] ?? 'run';
    const name = values.queue;
    if (command === 'run') {
      const concurrency = integerArgument(
        values.concurrency,
        1,
        (rule) => new UsageError(`--concurrency must be ${rule}`),
      );
      return await runWorker(env, name, concurrency, io);
    }
    if (command !== 'counts' && command !== 'retry-failed' && command !== 'clean') {
      throw new UsageError(`unknown command "${command}"`);
    }
    // Check the flags before connecting, so a typo fails at once.
    const clean =
      command === 'clean'
        ? {
            ageMs: nonNegativeNumber(values.age, '--age') * 1000,
            states: finishedStates(values.status),
          }
        : undefined;
    const admin = await openQueueAdmin(name === undefined ? {} : { name }, env);
    try {
      if (command === 'counts') {
        const counts = await admin.counts();
        if (values.json) io.out(JSON.stringify(counts));
        else for (const [state, count] of Object.entries(counts)) io.out(`${state} ${count}`);
      } else if (command === 'retry-failed') {
        io.out(`retried ${await admin.retryFailed()} failed job(s)`);
      } else if (clean) {
        const removed = await admin.clean(clean.ageMs, clean.states);
        io.out(
          `removed ${clean.states.map((state) => `${removed[state]} ${state}`).join(', ')} job(s)`,
        );
      }
      return 0;
    } finally {
      await admin.close();
    }
  } catch (error) {
    const code = String((error as { code?: unknown } | null)?.code);
    if (error instanceof BackendChoiceError) {
      io.err(`mailroom-worker: ${error.message}`);
      return 2;
    }
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`mailroom-worker: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const message =
      error instanceof MailroomError ? `${error.code}: ${error.message}` : String(error);
    io.err(`mailroom-worker: ${oneLine(message)}`);
    return 1;
  }
}
