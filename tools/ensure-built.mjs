// Compiled start in a repository checkout: `ensureBuilt('@plugway/studio')` builds the project and the workspace
// packages it depends on with Nx when a `dist/` is missing or older than its sources, so `npm start` and `plugway`
// run `node dist/...` instead of tsx. Checking is a few hundred stat() calls; the build runs only when needed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function workspaceDirs() {
  const dirs = new Map();
  for (const dir of ['proto', ...['apps', 'libs'].flatMap((g) => readdirSync(join(root, g)).map((p) => `${g}/${p}`))]) {
    const file = join(root, dir, 'package.json');
    if (existsSync(file)) dirs.set(JSON.parse(readFileSync(file, 'utf8')).name, join(root, dir));
  }
  return dirs;
}

function closure(name, dirs, seen = new Set()) {
  if (seen.has(name) || !dirs.has(name)) return seen;
  seen.add(name);
  const pkg = JSON.parse(readFileSync(join(dirs.get(name), 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) closure(dep, dirs, seen);
  return seen;
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// The file tsc writes last is irrelevant: every emit rewrites the whole dist/, so the entry's mtime is the build time.
function entryOf(dir) {
  return join(dir, 'dist', existsSync(join(dir, 'src', 'main.ts')) ? 'main.js' : 'index.js');
}

// What a project's build also writes outside its own dist/, from sources outside its src/ (the Nx target declares the
// same as inputs and outputs): plugin-sdk's build compiles the example plugins to examples/dist/.
const ALSO_BUILDS = { '@plugway/plugin-sdk': { src: 'examples', entry: 'examples/dist/header-injector/plugin.js' } };

function staleOutside(name) {
  const also = ALSO_BUILDS[name];
  if (!also) return false;
  const entry = join(root, also.entry);
  return !existsSync(entry) || newestSource(join(root, also.src)) > statSync(entry).mtimeMs;
}

/** The projects (these and their @plugway/* dependencies) whose dist/ (or other build output) is missing or older than their sources. */
export function staleProjects(names) {
  const dirs = workspaceDirs();
  const all = new Set();
  for (const name of names) closure(name, dirs, all);
  return [...all].filter((n) => {
    const dir = dirs.get(n);
    const entry = entryOf(dir);
    if (!existsSync(entry) || staleOutside(n)) return true;
    const inputs = ['package.json', 'tsconfig.lib.json', 'tsconfig.app.json', 'build.mjs'].map((f) => join(dir, f)).filter(existsSync);
    const newest = Math.max(newestSource(join(dir, 'src')), ...inputs.map((f) => statSync(f).mtimeMs));
    return newest > statSync(entry).mtimeMs;
  });
}

/** Builds `names` (Nx builds their dependencies first) when anything they need is stale; progress goes to stderr. */
export function ensureBuilt(...names) {
  const stale = staleProjects(names);
  if (stale.length === 0) return;
  const what = names.join(', ');
  process.stderr.write(`building ${what} (build output missing or older than the sources in ${stale.join(', ')}) …\n`);
  const nx = join(root, 'node_modules', '.bin', 'nx');
  const r = spawnSync(process.execPath, [nx, 'run-many', '-t', 'build', '-p', names.join(','), '--output-style=static'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NX_TUI: 'false' },
  });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout}${r.stderr}build of ${what} failed (exit ${r.status})\n`);
    process.exit(1);
  }
  // Nx leaves outputs that already match its cache untouched; mark them fresh so the next start skips the build.
  const dirs = workspaceDirs();
  const now = new Date();
  for (const n of stale) {
    for (const f of [entryOf(dirs.get(n)), ...(ALSO_BUILDS[n] ? [join(root, ALSO_BUILDS[n].entry)] : [])]) if (existsSync(f)) utimesSync(f, now, now);
  }
}

// `node tools/ensure-built.mjs @plugway/edge-gateway`: the same check from a package.json script.
if (process.argv[1] === new URL(import.meta.url).pathname) ensureBuilt(...process.argv.slice(2));
