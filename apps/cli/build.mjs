// `npm run build` for the plugway bin: esbuild bundles src/main.ts into dist/main.js and each command into
// dist/commands/<name>.js, which main.js imports only when that command runs. Node 20 loads ES modules file by file:
// unbundled, `plugway pull` read ~160 files (most of them zod's); bundled it reads two. Each command is a bundle of
// its own (no shared chunks), so one command never loads another's dependencies (validate's classic zod, say).
// The workspace libraries (through tsconfig paths) and zod are bundled; every other package stays an import of
// node_modules (sigstore, esbuild: large, CommonJS or native).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const BUNDLED = /^(?:@plugway\/|zod(?:\/|$))/;
const commands = readdirSync(new URL('src/commands/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3));

const common = {
  absWorkingDir: dir, bundle: true, format: 'esm', platform: 'node', target: 'node20.19', tsconfig: 'tsconfig.json',
  sourcemap: 'linked', legalComments: 'none', logLevel: 'warning',
};
const externals = (isMain) => ({
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) || args.path.startsWith('node:') ? undefined : { path: args.path, external: true }));
    // main.js loads the commands at run time (cli.ts COMMAND_LOADERS), from dist/commands/.
    if (isMain) b.onResolve({ filter: /^\.\/commands\/[a-z]+\.js$/ }, (args) => (args.path === './commands/index.js' ? undefined : { path: args.path, external: true }));
  },
});

rmSync(new URL('dist/', import.meta.url), { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/main.js', plugins: [externals(true)] }),
  ...commands.map((c) => build({ ...common, entryPoints: [`src/commands/${c}.ts`], outfile: `dist/commands/${c}.js`, plugins: [externals(false)] })),
]);
