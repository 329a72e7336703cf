// Sums every project's vitest JSON report and prints the one line CI reads: "N passed, N failed, N skipped".
// With CI=true a skipped test fails the run unless tools/test-skip-allowlist.json lists it with a reason: in CI a
// skipped integration test (a missing package, a tool that did not install) must not pass silently.
// Usage: node tools/test-summary.mjs [runnerExitCode] [--root <dir>]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 ? args[rootAt + 1] : new URL('..', import.meta.url).pathname;
const runnerArg = args.find((a, i) => /^-?\d+$/.test(a) && args[i - 1] !== '--root');

const dirs = ['apps', 'libs'].flatMap((d) =>
  existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : [],
);
dirs.push(join(root, 'proto'), join(root, 'tools', 'packaging'));
let passed = 0, failed = 0, skipped = 0;
const skippedTests = [];
for (const dir of dirs) {
  const file = join(dir, '.test-results', 'vitest.json');
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if (r.success === false && (r.numFailedTests ?? 0) === 0) failed += 1; // a suite that failed to load
  for (const suite of r.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (['skipped', 'pending', 'todo', 'disabled'].includes(t.status)) skippedTests.push({ file: relative(root, suite.name ?? ''), test: t.fullName });
    }
  }
}

// The allowlist: [{ "test": "<vitest full name>", "reason": "why it may be skipped in CI" }]; an entry without a reason counts as absent.
const allowFile = join(root, 'tools', 'test-skip-allowlist.json');
const allowed = existsSync(allowFile) ? JSON.parse(readFileSync(allowFile, 'utf8')) : [];
const isAllowed = (t) => allowed.some((a) => a.test === t.test && typeof a.reason === 'string' && a.reason.trim() !== '');
const unexplained = skippedTests.filter((t) => !isAllowed(t));
if (process.env.CI === 'true' && unexplained.length > 0) {
  for (const t of unexplained) console.log(`skipped in CI without a reason in tools/test-skip-allowlist.json: ${t.file} > ${t.test}`);
  failed += unexplained.length;
}

// A non-zero exit from the task runner with no failed test means a task broke before reporting (lint, load error).
const runnerExit = Number(runnerArg ?? 0);
if (runnerExit !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
