#!/usr/bin/env node
// The `mailroom-worker` executable; the command itself lives in cli.ts.
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
// Exit even if a library left a handle open; a clean shutdown is already done here.
setTimeout(() => process.exit(code), 1000).unref();
