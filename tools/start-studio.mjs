#!/usr/bin/env node
// `npm start`: runs the studio from source with embedded defaults (SQLite under .data/, port 3000).
import { spawn } from 'node:child_process';
const root = new URL('..', import.meta.url).pathname;
const child = spawn(process.execPath, ['--import', 'tsx', 'apps/studio/src/main.ts', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
