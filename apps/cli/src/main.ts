#!/usr/bin/env node
// Entry point of the `plugway` binary (npm run plugway -- <command> from the repo root, or dist/main.js).
import { runCli } from './cli.js';
import { processIo } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
