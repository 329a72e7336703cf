// Every library and proto as a user gets them from npm: `npm pack`, install the tarballs into a fresh project (external
// dependencies from the registry, through the npm cache), then import each one in a separate Node process and call a
// public function — including starting a TypeScript plugin built on @plugway/plugin-sdk through @plugway/plugin-host.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['proto', ...readdirSync(join(REPO, 'libs')).map((d) => `libs/${d}`)].sort();
const work = mkdtempSync(join(tmpdir(), 'plugway-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Manifest = {
  name: string; version: string; private?: boolean; license?: string; engines?: { node?: string };
  repository?: { directory?: string }; files?: string[]; dependencies?: Record<string, string>;
  exports?: Record<string, { types?: string; default?: string }>;
};
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Manifest;
const root = manifest('.') as Manifest & { devDependencies: Record<string, string> };

// Bare specifiers a built package imports (its dist/, code and typings), by package name.
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|d\.ts)$/.test(f)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:from|import\()\s*['"]([^.'"][^'"]*)['"]/g)) {
          if (!m[1]!.startsWith('node:')) names.add(m[1]!.split('/').slice(0, m[1]!.startsWith('@') ? 2 : 1).join('/'));
        }
      }
    }
  };
  walk(join(REPO, dir, 'dist'));
  return names;
}

// The script the consumer runs: one public call per package, printing one JSON line.
const CONSUMER = `
import { parseCommand } from '@plugway/command';
import { createPolicy, evaluateCommand } from '@plugway/security-policy';
import { redact } from '@plugway/core';
import { hostKey } from '@plugway/registry-auth';
import { parseSize } from '@plugway/oci';
import { GO_PLUGIN_HANDSHAKE, pluginpb } from '@plugway/proto';
import { launchPlugin } from '@plugway/plugin-host';
import { failModeSchema } from '@plugway/runtime';
import { loadEdgeSettings } from '@plugway/config';

const cmd = parseCommand('grpc://10.0.0.5:50051');
const decision = await evaluateCommand(cmd, createPolicy({}));
const plugin = await launchPlugin({ path: process.execPath, args: [new URL('./plugin.mjs', import.meta.url).pathname], hostEnv: process.env });
const outcome = await plugin.callHook('processPreAuth', { path: '/v1', headers: { a: 'b' } });
await plugin.close();
console.log(JSON.stringify({
  scheme: cmd.scheme, allowed: decision.allowed, violation: decision.allowed ? undefined : decision.violations[0].code,
  redacted: redact({ password: 'hunter2' }).password, host: hostKey('https://Registry.Example.com/v1/'),
  size: parseSize('2MiB'), cookie: GO_PLUGIN_HANDSHAKE.magicCookieKey, pb: typeof pluginpb.PluginServiceService,
  failMode: failModeSchema.parse('open'), edgePort: loadEdgeSettings({ HOME: '/tmp' }).http.port,
  hook: outcome.status, headers: outcome.status === 'ok' ? outcome.response.headers : outcome.error.message,
}));
`;
const PLUGIN = `#!/usr/bin/env node
import { servePlugin } from '@plugway/plugin-sdk';
await servePlugin({
  manifest: { name: 'packaged', version: '1.0.0', hooks: ['pre_auth'] },
  hooks: { async preAuth(req) { return { modified: true, headers: { ...req.headers, 'x-packaged': 'yes' } }; } },
});
`;

describe('the npm packages', () => {
  it('share one version, declare what a registry needs, and declare exactly what dist/ imports, pinned like the root', () => {
    for (const dir of PACKAGES) {
      const m = manifest(dir);
      expect(m.private, dir).toBeUndefined();
      expect(m.version, dir).toBe(root.version);
      expect(m.license, dir).toBe('Apache-2.0');
      expect(m.engines?.node, dir).toBe(root.engines?.node);
      expect(m.repository?.directory, dir).toBe(dir);
      expect(m.files, dir).toContain('dist');
      expect(m.exports?.['.'], dir).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
      expect([...importedPackages(dir)].sort(), `${dir}: dist imports = dependencies`).toEqual(Object.keys(m.dependencies ?? {}).sort());
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
        expect(range, `${dir} → ${dep}`).toBe(dep.startsWith('@plugway/') ? root.version : (root.dependencies as Record<string, string>)[dep]);
      }
    }
  });

  it('pack, install from the tarballs into a fresh project, and work in a separate Node process', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work, ...PACKAGES.flatMap((d) => ['-w', d])], { cwd: REPO, encoding: 'utf8' })) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((d) => manifest(d).name).sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect(files, p.name).toContain('dist/index.js');
      expect(files, p.name).toContain('dist/index.d.ts');
      expect(files.filter((f) => f.endsWith('.test.ts') || f.includes('__fixtures__')), p.name).toEqual([]);
    }
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    const deps = Object.fromEntries(packed.map((p) => [p.name, `file:${join(work, p.filename)}`]));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: app, encoding: 'utf8', env: { ...process.env, npm_config_workspaces: 'false' } });
    writeFileSync(join(app, 'plugin.mjs'), PLUGIN);
    chmodSync(join(app, 'plugin.mjs'), 0o755);
    writeFileSync(join(app, 'consumer.mjs'), CONSUMER);
    const out = execFileSync(process.execPath, ['consumer.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      scheme: 'grpc', allowed: false, violation: 'POLICY_INTERNAL_ADDRESS', redacted: '[REDACTED]', host: 'REGISTRY_EXAMPLE_COM',
      size: 2 * 1024 * 1024, cookie: 'AI_STUDIO_PLUGIN', pb: 'object', failMode: 'open', edgePort: 8080,
      hook: 'ok', headers: { a: 'b', 'x-packaged': 'yes' },
    });
  }, 240_000);
});
