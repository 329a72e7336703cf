import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { guard, parse, UsageError } from '../oci-common.js';
import { formatPackageHeader, MIN_NODE_VERSION } from '../package-header.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway package [<dir>|<entry.ts>] [--out <file>] [--json]

Bundles the plugin and everything it imports (the SDK, @grpc/grpc-js …) with esbuild into one ES module file,
headed "#!/usr/bin/env node" and a "plugway-package" line that names the runtime (node >= ${MIN_NODE_VERSION}).
"plugway push" reads that line and records the runtime in the artifact's config; the host then runs the file with
its own Node, and refuses it with RUNTIME_PLUGIN_RUNTIME_UNAVAILABLE when it cannot. The same sources give the same
bytes (same sha256). The entry is <entry.ts>, or in <dir> (default .) package.json "main", else plugin.ts,
src/plugin.ts, index.ts or src/index.ts. Default output: <dir>/dist/plugin.`;

const ENTRY_CANDIDATES = ['plugin.ts', 'src/plugin.ts', 'index.ts', 'src/index.ts', 'plugin.js', 'index.js'];
// ESM output, but CommonJS dependencies (grpc-js) call require() on Node builtins: give the bundle a real require.
const BANNER = "import { createRequire as __plugwayCreateRequire } from 'node:module';\nconst require = __plugwayCreateRequire(import.meta.url);";

function findEntry(arg: string | undefined): { root: string; entry: string } {
  const target = resolve(arg ?? '.');
  if (!existsSync(target)) throw new UsageError(`${target} does not exist`);
  if (statSync(target).isFile()) return { root: dirname(target), entry: target };
  let main: unknown;
  try { main = (JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { main?: unknown }).main; } catch { /* no package.json */ }
  const names = typeof main === 'string' ? [main, ...ENTRY_CANDIDATES] : ENTRY_CANDIDATES;
  const found = names.map((n) => join(target, n)).find((p) => existsSync(p) && statSync(p).isFile());
  if (!found) throw new UsageError(`no plugin entry in ${target}: give the file, or add package.json "main" or one of ${ENTRY_CANDIDATES.join(', ')}`);
  return { root: target, entry: found };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('package', io, json, async () => {
    const { values, positionals } = parse(argv, { out: { type: 'string' } });
    if (positionals.length > 1) throw new UsageError('expected at most one <dir> or <entry>');
    const { root, entry } = findEntry(positionals[0]);
    const out = resolve(values.out ?? join(root, 'dist', 'plugin'));
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [entry], absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', target: `node${MIN_NODE_VERSION}`,
      write: false, outfile: out, banner: { js: BANNER }, legalComments: 'none', sourcemap: false, logLevel: 'silent', minifySyntax: true,
    }).catch((e: unknown) => {
      const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
      const lines = errors.slice(0, 5).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
      throw new Error(`bundling ${relative(process.cwd(), entry) || entry} failed:\n  ${lines.join('\n  ') || (e as Error).message}`);
    });
    const code = result.outputFiles[0]?.contents;
    if (!code) throw new Error('esbuild produced no output');
    const bytes = Buffer.concat([Buffer.from(formatPackageHeader({ runtime: 'node', minNodeVersion: MIN_NODE_VERSION })), code]);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes, { mode: 0o755 });
    const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const runtime = { name: 'node', minVersion: MIN_NODE_VERSION };
    io.stdout(json ? JSON.stringify({ ok: true, file: out, entry, size: bytes.length, sha256, runtime })
      : `packaged ${entry}\nfile    ${out} (${(bytes.length / 1024).toFixed(0)} KiB, runtime node >= ${MIN_NODE_VERSION})\nsha256  ${sha256}\nnext    plugway push ${relative(process.cwd(), out) || out} oci://<registry>/<repository>:<tag>`);
    return EXIT.OK;
  });
}
