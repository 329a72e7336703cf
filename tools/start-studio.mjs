#!/usr/bin/env node
// `npm start`: the studio from compiled JavaScript (apps/studio/dist) with embedded defaults (SQLite under .data/,
// port 3000). dist/ is built first when missing or older than the sources, and so is the demo plugin's SDK.
import { ensureBuilt } from './ensure-built.mjs';

ensureBuilt('@plugway/studio', '@plugway/plugin-sdk');
process.chdir(new URL('..', import.meta.url).pathname);
await import('../apps/studio/dist/main.js');
