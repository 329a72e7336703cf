#!/usr/bin/env node
// Entry point of the `plugway` binary: dist/main.js, started by bin/plugway.mjs (`npx plugway`, `npm run plugway --`).
import { runCli } from './cli.js';
import { processIo } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
