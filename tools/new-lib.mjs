#!/usr/bin/env node
// Project generator: `node tools/new-lib.mjs <libs|apps> <name> <tag,tag>` lays out a project the same way each time.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [kind, name, tagList = ''] = process.argv.slice(2);
if (!['libs', 'apps'].includes(kind) || !name) {
  console.error('usage: node tools/new-lib.mjs <libs|apps> <name> <tag,tag>');
  process.exit(2);
}
const dir = join(new URL('..', import.meta.url).pathname, kind, name);
if (existsSync(dir)) { console.error(`${dir} exists`); process.exit(2); }
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name: `@plugway/${name}`, version: '0.0.0', private: true, type: 'module',
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
  scripts: {
    build: `tsc -p ${kind === 'apps' ? 'tsconfig.app.json' : 'tsconfig.lib.json'}`,
    typecheck: 'tsc -p tsconfig.json --noEmit',
    test: 'vitest run',
    lint: 'eslint src',
  },
  nx: { tags: tagList.split(',').filter(Boolean) },
};
if (kind === 'apps') pkg.exports = { '.': { types: './dist/main.d.ts', default: './dist/main.js' } };
const w = (f, s) => writeFileSync(join(dir, f), s);
w('package.json', JSON.stringify(pkg, null, 2) + '\n');
w('tsconfig.json', JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] }, null, 2) + '\n');
w(kind === 'apps' ? 'tsconfig.app.json' : 'tsconfig.lib.json', JSON.stringify({
  extends: '../../tsconfig.base.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist', paths: {} },
  include: ['src/**/*.ts'], exclude: ['src/**/*.test.ts', 'src/**/__fixtures__/**'],
}, null, 2) + '\n');
w('vitest.config.ts', "export { default } from '../../vitest.shared.ts';\n");
w(`src/${kind === 'apps' ? 'main' : 'index'}.ts`, `// This is the public API of @plugway/${name}; adding an export is a semver decision.\nexport {};\n`);
w('README.md', `# @plugway/${name}\n\nTODO: one-line purpose.\n`);
console.log(`created ${kind}/${name}`);
