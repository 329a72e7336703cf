#!/usr/bin/env node
// One version for every package, bumped together: `node tools/set-version.mjs 0.2.0` rewrites the version of the
// root, apps/*, libs/* and proto, and every @plugway/* dependency on them, then refreshes package-lock.json.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('usage: node tools/set-version.mjs <semver>');
  process.exit(2);
}
const dirs = ['', 'proto/', ...['apps', 'libs'].flatMap((d) => readdirSync(root + d).map((p) => `${d}/${p}/`))];
for (const dir of dirs) {
  const file = `${root}${dir}package.json`;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.version = version;
  for (const name of Object.keys(pkg.dependencies ?? {})) if (name.startsWith('@plugway/')) pkg.dependencies[name] = version;
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}
execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
console.log(`every package is now ${version}`);
