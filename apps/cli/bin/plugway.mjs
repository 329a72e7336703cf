#!/usr/bin/env node
// The `plugway` command (`npx plugway` in the repository). In a checkout, dist/ is built first when it is missing or
// older than the sources (tools/ensure-built.mjs); an installed copy runs dist/main.js directly.
import { existsSync } from 'node:fs';

const ensure = new URL('../../../tools/ensure-built.mjs', import.meta.url);
if (existsSync(new URL('../src/main.ts', import.meta.url)) && existsSync(ensure)) {
  const { ensureBuilt } = await import(ensure.href);
  ensureBuilt('@plugway/cli');
}
await import('../dist/main.js');
