#!/usr/bin/env node
// Regenerates docs/configuration.md: every environment variable the two runtimes read, found in libs/config/src (the
// only reader of the environment) and in the domain libs' `*FromEnv` mappers it calls, with the defaults and meaning
// from the variables table in libs/config/README.md. `--check` exits 1 when the committed file is stale, when code
// reads a variable the README table does not describe, or when the table or a guide names a variable no code reads.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const OUT = join(root, 'docs', 'configuration.md');
const README = join(root, 'libs', 'config', 'README.md');
// Read by the runtimes but documented by the OS, not by plugway.
const STANDARD = new Set(['HOME']);

function walk(dir, out = []) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) { if (f !== '__fixtures__') walk(p, out); }
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const errorCodes = new Set([...readFileSync(join(root, 'docs', 'errors.md'), 'utf8').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
const configFiles = walk(join(root, 'libs', 'config', 'src'));
const libFiles = readdirSync(join(root, 'libs')).filter((l) => l !== 'config' && existsSync(join(root, 'libs', l, 'src')))
  .flatMap((l) => walk(join(root, 'libs', l, 'src')));

// The domain mappers libs/config calls (`policyOptionsFromEnv`, …) and the files that define them.
const mappers = new Set(configFiles.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b([a-z]\w*FromEnv)\b/g)].map((m) => m[1])));
const mapperFiles = libFiles.filter((f) => [...mappers].some((m) => new RegExp(`export (async )?function ${m}\\b`).test(readFileSync(f, 'utf8'))));

// Which runtime reads a file's variables: studio.ts and edge.ts are per runtime; everything else is shared.
const runtimeOf = (file) => (file.endsWith('/studio.ts') ? 'studio' : file.endsWith('/edge.ts') ? 'edge' : 'both');
const NAME = '[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_?';
const found = new Map(); // name -> { runtimes: Set, files: Set }
function add(name, file) {
  if (errorCodes.has(name) || STANDARD.has(name)) return;
  // Mappers also hold field words of a family (`…_<HOST>_PASSWORD`): only whole variable names have an underscore.
  if (mapperFiles.includes(file) && !name.includes('_')) return;
  const e = found.get(name) ?? { runtimes: new Set(), files: new Set() };
  e.runtimes.add(runtimeOf(file));
  e.files.add(relative(root, file));
  found.set(name, e);
}
for (const file of [...configFiles, ...mapperFiles]) {
  const text = readFileSync(file, 'utf8');
  // zod env schemas list variables as object keys (`PORT: envInt(…)`); reads are quoted (`clean['NODE_ENV']`).
  for (const m of text.matchAll(new RegExp(`^\\s+(${NAME}):\\s`, 'gm'))) add(m[1], file);
  for (const m of text.matchAll(new RegExp(`['"\`](${NAME})['"\`]`, 'g'))) add(m[1], file);
  // Mappers match families of variables with anchored regexes (/^OCI_PLUGINS_PUBKEY_(.+)$/).
  if (mapperFiles.includes(file)) for (const m of text.matchAll(new RegExp(`/\\^(${NAME})\\(`, 'g'))) add(m[1], file);
}

// The README's table: `| variable(s) | studio | edge | meaning |`, names in backticks, `<…>` placeholders = a family.
const readme = readFileSync(README, 'utf8');
const after = readme.slice(readme.indexOf('## Variables') + 1);
const table = after.slice(0, after.search(/^## /m) >= 0 ? after.search(/^## /m) : undefined).split('\n').filter((l) => l.startsWith('| `'));
const rows = table.map((line) => {
  const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
  const names = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/<[^>]+>.*$/, ''));
  return { cells, names };
});

const problems = [];
const documented = new Set(rows.flatMap((r) => r.names));
for (const name of found.keys()) if (!documented.has(name)) problems.push(`${name} is read by ${[...found.get(name).files].join(', ')} but not described in libs/config/README.md's Variables table`);
for (const name of documented) if (!found.has(name)) problems.push(`libs/config/README.md describes ${name}, which no code in libs/config (or the mappers it calls) reads`);

// Guides name variables too: each must be one the code reads (error codes aside).
for (const guide of ['coming-from-ai-studio.md', 'getting-started.md']) {
  const text = existsSync(join(root, 'docs', guide)) ? readFileSync(join(root, 'docs', guide), 'utf8') : '';
  for (const m of text.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]*(?:<[A-Z]+>[A-Z0-9_]*)*)`/g)) {
    const name = m[1].replace(/<.*$/, '');
    const known = found.has(name) || [...found.keys()].some((f) => f.endsWith('_') && name.startsWith(f));
    if (!errorCodes.has(name) && !known) problems.push(`docs/${guide} names ${m[1]}, which no code in libs/config (or the mappers it calls) reads`);
  }
}

const runtimesOf = (r) => new Set(r.names.flatMap((n) => [...(found.get(n)?.runtimes ?? [])]));
const section = (title, keep, columns) => {
  const picked = rows.filter((r) => keep(runtimesOf(r)));
  if (picked.length === 0) return [];
  const head = columns === 2 ? '| variable | studio | edge | meaning | read in |\n|---|---|---|---|---|' : '| variable | default | meaning | read in |\n|---|---|---|---|';
  const body = picked.map((r) => {
    const files = [...new Set(r.names.flatMap((n) => [...(found.get(n)?.files ?? [])]))].map((f) => `\`${f.replace(/^libs\//, '').replace(/\/src\//, '/')}\``).join(', ');
    const dflt = columns === 2 ? `${r.cells[1]} | ${r.cells[2]}` : r.cells[title.startsWith('Studio') ? 1 : 2];
    return `| ${r.cells[0]} | ${dflt} | ${r.cells[3]} | ${files} |`;
  });
  return [`## ${title}`, '', head, ...body, ''];
};
const doc = [
  '# Configuration reference',
  '',
  'Every environment variable the studio (`apps/studio`, `npm start`) and the edge gateway (`apps/edge-gateway`) read.',
  '`@plugway/config` is the only code that reads the environment; the names below are found in its sources and in the',
  'domain mappers it calls, and the defaults and meanings come from the table in `libs/config/README.md`.',
  'Empty values count as unset. Every invalid variable is reported at start-up at once, by name, without its value',
  '(`CONFIG_INVALID`, exit code 2).',
  '',
  '<!-- Generated by `node tools/check-config-docs.mjs`; `npm test` runs it with --check. Do not edit by hand. -->',
  '',
  ...section('Both runtimes', (s) => s.has('both') || (s.has('studio') && s.has('edge')), 2),
  ...section('Studio only', (s) => s.has('studio') && !s.has('edge') && !s.has('both'), 1),
  ...section('Edge gateway only', (s) => s.has('edge') && !s.has('studio') && !s.has('both'), 1),
].join('\n');

if (problems.length) {
  console.error(`docs/configuration.md cannot be generated:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== doc) {
    console.error('docs/configuration.md is stale: run `node tools/check-config-docs.mjs` and commit the result');
    process.exit(1);
  }
  console.log(`docs/configuration.md is up to date (${found.size} variables)`);
} else {
  writeFileSync(OUT, doc);
  console.log(`wrote docs/configuration.md (${found.size} variables)`);
}
