#!/usr/bin/env node
// `pnpm bench`: Mailroom against the libraries it wraps, in one run. See
// docs/BENCHMARKS.md for what each scenario does and how to read the table.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { checkPostgres, dropPostgresSchema, startRedis } from './lib/infra.js';
import { SinkClient } from './lib/sink-client.js';
import { format, median, quantile, round } from './lib/stats.js';
import { s1 } from './scenarios/s1-sync-smtp.js';
import { s2Postgres, s2Redis } from './scenarios/s2-enqueue-latency.js';
import { s3 } from './scenarios/s3-send-many-queue.js';
import { s4 } from './scenarios/s4-worker-delivery.js';
import { s5, s5Bytes, s6 } from './scenarios/s5-s6-attachments.js';
import { s7 } from './scenarios/s7-templates.js';
import { s8Refused, s8Unresponsive } from './scenarios/s8-redis-down.js';

const DEFAULT_ROUNDS = 5;
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const MIB = 1024 * 1024;

const USAGE = `Usage: pnpm bench [options]   (or: node bench/run.js [options] after pnpm run build)

  --only S1,S3      run only these scenarios (S2, S5 and S8 include both of their rows)
  --scale 0.1       multiply every size (emails, renders, samples, attachment) by this
  --rounds N        rounds per side, alternating Mailroom and raw (default 5, and 3 for
                    S5, S6 and S8, which start fresh processes every round)
  --redis-url URL   use this Redis instead of a private redis-server
  --postgres-url U  PostgreSQL for S2 (default postgres://postgres@127.0.0.1:5432/test)
  --out FILE        JSON output (default bench/results/latest.json)
  --list            list the scenarios and exit
  --help            this text`;

/**
 * The scenarios, with the targets we hold ourselves to (Mailroom / raw). `check` turns
 * a result into the compared figure and whether it meets the target.
 */
const SCENARIOS = [
  {
    id: 'S1',
    title: (c) => `${c.n(2000)} emails sent synchronously over pooled SMTP`,
    raw: 'nodemailer pool, same options',
    target: 'throughput >= 0.95',
    run: s1,
    check: (r) => r.ratio >= 0.95,
  },
  {
    id: 'S2',
    row: 'S2 Redis',
    title: (c) => `enqueue latency of one send onto BullMQ, Redis (${c.n(500)}/round)`,
    raw: 'queue.add',
    target: 'median <= 1.25, p99 reported',
    run: s2Redis,
    check: (r) => r.ratio <= 1.25,
  },
  {
    id: 'S2',
    row: 'S2 PostgreSQL',
    title: (c) => `enqueue latency of one send onto BullMQ, PostgreSQL (${c.n(200)}/round)`,
    raw: 'queue.add',
    target: 'median <= 1.25, p99 reported',
    run: s2Postgres,
    check: (r) => r.ratio <= 1.25,
  },
  {
    id: 'S3',
    title: (c) => `sendMany of ${c.n(10_000)} onto BullMQ (Redis)`,
    raw: 'queue.addBulk',
    target: 'throughput >= 0.9',
    run: s3,
    check: (r) => r.ratio >= 0.9,
  },
  {
    id: 'S4',
    title: (c) => `${c.n(5000)} emails queued, then delivered by a worker to the sink`,
    raw: 'nodemailer pool sending the same',
    target: 'throughput >= 0.9',
    run: s4,
    check: (r) => r.ratio >= 0.9,
  },
  {
    id: 'S5',
    title: (c) => `a ${c.mib} MiB file attachment sent synchronously`,
    raw: 'nodemailer with path',
    target: 'peak RSS growth <= 0.5 x file size',
    run: s5,
    rounds: 3,
    check: (r) => r.mailroom.median <= 0.5,
  },
  {
    id: 'S5',
    row: 'S5 bytes',
    title: (c) => `the same ${c.mib} MiB attachment as bytes in memory, sent synchronously`,
    raw: 'nodemailer with a Buffer',
    target: 'peak RSS growth <= 0.5 x file size',
    run: s5Bytes,
    rounds: 3,
    check: (r) => r.mailroom.median <= 0.5,
  },
  {
    id: 'S6',
    title: (c) => `the same ${c.mib} MiB attachment queued and delivered by a worker`,
    raw: 'nodemailer with a Buffer',
    target: 'worker peak RSS growth <= 3 x file size',
    run: s6,
    rounds: 3,
    check: (r) => r.mailroom.median <= 3,
  },
  {
    id: 'S7',
    title: (c) => `rendering a Markdown template with a layout, ${c.n(10_000)} times`,
    raw: 'nunjucks + marked, precompiled',
    target: 'throughput >= 0.9',
    run: s7,
    check: (r) => r.ratio >= 0.9,
  },
  {
    id: 'S8',
    row: 'S8 refused',
    title: () => 'sendEmail in auto mode with Redis down (connection refused)',
    raw: 'queue: false',
    target: 'added latency: first call <= 250 ms, later calls <= 5 ms',
    run: s8Refused,
    rounds: 3,
    check: (r) => r.added.firstMs <= 250 && r.added.laterMs <= 5,
  },
  {
    id: 'S8',
    row: 'S8 unresponsive',
    title: () => 'sendEmail in auto mode with Redis down (accepts, never answers)',
    raw: 'queue: false',
    target: 'added latency: first call <= 250 ms, later calls <= 5 ms',
    run: s8Unresponsive,
    rounds: 3,
    check: (r) => r.added.firstMs <= 250 && r.added.laterMs <= 5,
  },
];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      scale: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      'redis-url': { type: 'string' },
      'postgres-url': { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const scale = Number(values.scale);
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) {
    throw new Error('--rounds must be an integer >= 1');
  }
  const only = values.only
    ?.split(',')
    .map((id) => id.trim().toUpperCase())
    .filter(Boolean);
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown?.length) throw new Error(`unknown scenario ${unknown.join(', ')} (see --list)`);
  return {
    only,
    scale,
    rounds,
    redisUrl: values['redis-url'],
    postgresUrl:
      values['postgres-url'] ??
      process.env.BENCH_POSTGRES_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    out: values.out ?? join(BENCH_DIR, 'results', 'latest.json'),
    list: values.list,
    help: values.help,
  };
}

function versionOf(name) {
  try {
    return createRequire(join(BENCH_DIR, 'package.json'))(`${name}/package.json`).version;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const list = cpus();
  return {
    cpu: list[0]?.model?.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: round(totalmem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => round(value)),
  };
}

/** Creates the attachment file of S5 and S6: `size` bytes of random data. */
function createAttachment(size) {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const path = join(dir, 'attachment.bin');
  const block = randomBytes(MIB);
  const chunks = [];
  for (let left = size; left > 0; left -= MIB) chunks.push(block.subarray(0, Math.min(MIB, left)));
  writeFileSync(path, Buffer.concat(chunks));
  return { path, size, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What every scenario is given. */
function createContext(options, services) {
  let queueCounter = 0;
  /** @type {string[]} */
  let notes = [];
  const ctx = {
    ...services,
    scale: options.scale,
    /** Rounds per side in the current scenario. */
    rounds: DEFAULT_ROUNDS,
    /** A size scaled by --scale, at least 1. */
    size: (n) => Math.max(1, Math.round(n * options.scale)),
    /** A queue name of this run, distinct from every other. */
    queueName: (prefix) => `mailroom-bench-${process.pid}-${prefix}-${queueCounter++}`,
    /** Removes a BullMQ queue and its jobs from the benchmark's Redis. */
    obliterateRedis: async (name) => {
      const queue = new Queue(name, { connection: services.redisClient });
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    },
    /**
     * Runs `fn(side)` for every side (Mailroom and raw, and any extra reference), `rounds`
     * times, rotating which goes first.
     */
    alternate: async (fn, sides = ['mailroom', 'raw']) => {
      const runs = Object.fromEntries(sides.map((side) => [side, []]));
      for (let round = 0; round < ctx.rounds; round++) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) runs[side].push(await fn(side));
      }
      return runs;
    },
    /**
     * Like `alternate` for work that can be cut into slices: each round runs `slices`
     * slices of `perSlice` units per side, the sides taking turns slice by slice, so that
     * a change in the machine's load during a round weighs on both sides alike. Each
     * round yields units per second per side. `beforeRound` and `afterRound` run around
     * every round, untimed.
     */
    interleave: async (slices, perSlice, runSlice, { beforeRound, afterRound } = {}) => {
      const sides = ['mailroom', 'raw'];
      const runs = Object.fromEntries(sides.map((side) => [side, []]));
      for (let round = 0; round < ctx.rounds; round++) {
        await beforeRound?.();
        try {
          const ms = Object.fromEntries(sides.map((side) => [side, 0]));
          for (let slice = 0; slice < slices; slice++) {
            const order = (round + slice) % 2 === 0 ? sides : [...sides].reverse();
            for (const side of order) ms[side] += await runSlice(side, perSlice);
          }
          for (const side of sides) runs[side].push((slices * perSlice) / (ms[side] / 1000));
        } finally {
          await afterRound?.();
        }
      }
      return runs;
    },
    note: (text) => {
      if (!notes.includes(text)) notes.push(text);
    },
    takeNotes: () => {
      const taken = notes;
      notes = [];
      return taken;
    },
    /**
     * Throughput figures. The ratio is the median of the per-round ratios: the two sides
     * of a round ran under the same conditions (taking turns), so pairing them cancels
     * most of the drift of a shared machine. The ratio of the medians is kept too.
     */
    throughput: (runs, details, unit = 'per s') => {
      const mailroom = median(runs.mailroom);
      const raw = median(runs.raw);
      const perRound = runs.mailroom.map((value, i) => value / (runs.raw[i] ?? Number.NaN));
      return {
        kind: 'throughput',
        unit,
        mailroom: { median: mailroom, runs: runs.mailroom },
        raw: { median: raw, runs: runs.raw },
        ratio: median(perRound),
        ratioPerRound: perRound,
        ratioOfMedians: mailroom / raw,
        details,
      };
    },
    latency: (runs, details) => {
      const all = { mailroom: runs.mailroom.flat(), raw: runs.raw.flat() };
      const side = (values, rounds) => ({
        median: median(values),
        p99: quantile(values, 0.99),
        roundMedians: rounds.map((r) => median(r)),
        samples: values.length,
      });
      const mailroom = side(all.mailroom, runs.mailroom);
      const raw = side(all.raw, runs.raw);
      return {
        kind: 'latency',
        unit: 'ms',
        mailroom,
        raw,
        ratio: mailroom.median / raw.median,
        p99Ratio: mailroom.p99 / raw.p99,
        details,
      };
    },
    memory: (runs, details) => {
      const mailroom = median(runs.mailroom);
      const raw = median(runs.raw);
      return {
        kind: 'memory',
        unit: 'x file size',
        mailroom: { median: mailroom, runs: runs.mailroom },
        raw: { median: raw, runs: runs.raw },
        ratio: mailroom / raw,
        details,
      };
    },
    addedLatency: (figures, details) => ({
      kind: 'added-latency',
      unit: 'ms',
      ...figures,
      details,
    }),
    skipped: (reason) => ({ kind: 'skipped', reason }),
  };
  return ctx;
}

const mib = (bytes) => round(bytes / MIB);
const signed = (value) => (value < 0 ? format(value) : `+${format(value)}`);

/** The Mailroom, raw and ratio cells of a row. */
function cells(result) {
  switch (result.kind) {
    case 'throughput':
      return [
        `${format(result.mailroom.median)}/s`,
        `${format(result.raw.median)}/s`,
        format(result.ratio),
      ];
    case 'latency':
      return [
        `${format(result.mailroom.median)} ms (p99 ${format(result.mailroom.p99)})`,
        `${format(result.raw.median)} ms (p99 ${format(result.raw.p99)})`,
        `${format(result.ratio)} (p99 ${format(result.p99Ratio)})`,
      ];
    case 'memory': {
      const { fileBytes: size, cold } = result.details;
      const side = (name) =>
        `${format(result[name].median)} x (${mib(result[name].median * size)} MiB); first send ${format(cold[name])} x`;
      return [side('mailroom'), side('raw'), format(result.ratio)];
    }
    case 'added-latency':
      return [
        `first ${format(result.first.mailroom)} ms, later ${format(result.later.mailroom)} ms (p99 ${format(result.later.mailroomP99)})`,
        `first ${format(result.first.raw)} ms, later ${format(result.later.raw)} ms (p99 ${format(result.later.rawP99)})`,
        `${signed(result.added.firstMs)} ms first, ${signed(result.added.laterMs)} ms later`,
      ];
    case 'skipped':
      return ['skipped', result.reason, ''];
    default:
      return ['error', result.error ?? '', ''];
  }
}

function table(rows) {
  const header = ['ID', 'Scenario', 'Mailroom', 'Raw side', 'Mailroom/raw', 'Target', 'Met'];
  const lines = rows.map((row) => [
    row.row,
    row.title,
    ...cells(row.result),
    row.target,
    row.result.kind === 'skipped'
      ? '–'
      : row.result.kind === 'error'
        ? 'ERROR'
        : row.met
          ? 'yes'
          : 'NO',
  ]);
  const cell = (text) => String(text).replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...lines.map((line) => `| ${line.map(cell).join(' | ')} |`),
  ].join('\n');
}

async function main() {
  const options = parseOptions();
  const chosen = SCENARIOS.filter((s) => !options.only || options.only.includes(s.id));
  const sizes = {
    n: (count) => Math.max(1, Math.round(count * options.scale)).toLocaleString('en-US'),
    mib: round((25 * MIB * options.scale) / MIB),
  };
  if (options.help) {
    console.log(USAGE);
    return;
  }
  if (options.list) {
    for (const s of SCENARIOS) {
      console.log(`${(s.row ?? s.id).padEnd(16)} ${s.title(sizes)} — vs ${s.raw}; ${s.target}`);
    }
    return;
  }

  const started = Date.now();
  const info = machine();
  console.log(
    `Mailroom benchmarks: ${chosen.length} rows, scale ${options.scale}, ${options.rounds ?? 'default'} rounds per side`,
  );
  console.log(
    `${info.cpu} x${info.cores}, ${info.memoryGiB} GiB, ${info.os}, Node ${info.node}, load ${info.loadAverageAtStart.join(' ')}`,
  );

  const cleanups = [];
  const rows = [];
  let failed = false;
  try {
    const sink = await SinkClient.start();
    cleanups.push(() => sink.stop());
    const redis = await startRedis(options.redisUrl);
    cleanups.push(() => redis.stop());
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: null });
    redisClient.on('error', () => undefined);
    cleanups.push(async () => redisClient.disconnect());
    const postgres = {
      url: options.postgresUrl,
      schema: `mailroom_bench_${process.pid}`,
      version: chosen.some((s) => s.run === s2Postgres)
        ? await checkPostgres(options.postgresUrl)
        : undefined,
    };
    if (postgres.version) {
      cleanups.push(() => dropPostgresSchema(postgres.url, postgres.schema));
    }
    const attachment = chosen.some((s) => s.id === 'S5' || s.id === 'S6')
      ? createAttachment(Math.max(1024, Math.round(25 * MIB * options.scale)))
      : undefined;
    if (attachment) cleanups.push(async () => attachment.remove());
    console.log(
      `SMTP sink (smtp-server, own process) on port ${sink.port}; Redis ${redis.version} ${redis.private ? '(private redis-server)' : `at ${redis.url}`}; PostgreSQL ${postgres.version ?? 'not used'}`,
    );

    const ctx = createContext(options, { sink, redis, redisClient, postgres, attachment });
    for (const scenario of chosen) {
      const label = scenario.row ?? scenario.id;
      const title = scenario.title(sizes);
      ctx.rounds = options.rounds ?? scenario.rounds ?? DEFAULT_ROUNDS;
      process.stdout.write(`${label.padEnd(16)} ${title} … `);
      const t0 = Date.now();
      let result;
      try {
        result = await scenario.run(ctx);
      } catch (error) {
        failed = true;
        result = { kind: 'error', error: error instanceof Error ? error.message : String(error) };
        console.error(error);
      }
      const notes = ctx.takeNotes();
      const met =
        result.kind !== 'error' && result.kind !== 'skipped' ? scenario.check(result) : undefined;
      const row = {
        id: scenario.id,
        row: label,
        title,
        raw: scenario.raw,
        target: scenario.target,
      };
      const seconds = round((Date.now() - t0) / 1000);
      rows.push({ ...row, met, rounds: ctx.rounds, seconds, result, notes });
      const [m, r, ratio] = cells(result);
      console.log(`${round((Date.now() - t0) / 1000)} s\n    Mailroom ${m} | raw ${r} | ${ratio}`);
    }

    const seconds = round((Date.now() - started) / 1000);
    const report = {
      date: new Date().toISOString(),
      seconds,
      options: {
        scale: options.scale,
        rounds: options.rounds ?? 'default',
        only: options.only ?? null,
      },
      machine: { ...info, loadAverageAtEnd: loadavg().map((value) => round(value)) },
      services: {
        redis: { version: redis.version, private: redis.private },
        postgres: postgres.version ?? null,
        smtpSink: `smtp-server ${versionOf('smtp-server')}, separate process, STARTTLS off`,
      },
      versions: Object.fromEntries(
        ['nodemailer', 'bullmq', 'ioredis', 'nunjucks', 'marked', 'smtp-server', 'pg'].map(
          (name) => [name, versionOf(name)],
        ),
      ),
      rows,
    };
    mkdirSync(join(options.out, '..'), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\n${table(rows)}\n`);
    console.log(`${seconds} s in all; JSON written to ${options.out}`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  if (failed) process.exitCode = 1;
}

// Ctrl-C or a kill: exit through process.exit, so that the private Redis and the child
// processes are stopped by their exit handlers.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

process.on('unhandledRejection', (error) => {
  console.error('unhandled rejection:', error);
});

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  // Connections a library keeps (pools, BullMQ) must not hold the process open.
  .finally(() => process.exit());
