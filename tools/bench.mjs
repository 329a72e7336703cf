#!/usr/bin/env node
// `npm run bench`: runs every benchmark (libs/*/bench/*.bench.ts, apps/*/bench/*.bench.ts) one after another with tsx.
// Performance targets live here, never in timed tests. Pass a substring to run only matching benchmarks.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2] ?? '';
const files = [];
for (const group of ['libs', 'apps']) {
  for (const p of existsSync(join(root, group)) ? readdirSync(join(root, group)) : []) {
    const dir = join(root, group, p, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
  }
}
const selected = files.filter((f) => f.includes(filter));
let failed = 0;
for (const f of selected) {
  console.log(`\n=== ${relative(root, f)} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', f], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { failed++; console.log(`!!! ${relative(root, f)} exited ${r.status}`); }
}
console.log(`\n${selected.length - failed} benchmarks ran, ${failed} failed`);
process.exit(failed ? 1 : 0);
