// The edge gateway as main.ts builds it: settings from an environment record through @plugway/config loadEdgeSettings,
// an oci:// plugin pulled from a real registry (tools/test-registry) into OCI_PLUGINS_CACHE_DIR, then real traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEdgeSettings } from '@plugway/config';
import { pushPlugin, RegistryClient } from '@plugway/oci';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { startEdgeApp, type EdgeApp } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
let work: string;
let reg: TestRegistry;
let upstream: http.Server;
let app: EdgeApp | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edge-oci-'));
  reg = await startRegistry();
  upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
}, 120_000);
afterAll(async () => {
  await app?.close();
  upstream?.closeAllConnections();
  upstream?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('edge gateway with an oci:// plugin and loadEdgeSettings', { timeout: 120_000 }, () => {
  it('pulls the plugin into OCI_PLUGINS_CACHE_DIR and runs it on traffic; unsigned plugins are refused when signatures are required', async () => {
    const wrapper = join(work, 'plugin.sh');
    writeFileSync(wrapper, `#!/bin/sh\ncd "${REPO}" && exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"\n`);
    chmodSync(wrapper, 0o755);
    await pushPlugin({ client: new RegistryClient({ registry: reg.host }), repository: 'plugins/injector', tag: '1.0.0', file: wrapper });
    const configFile = join(work, 'edge.json');
    writeFileSync(configFile, JSON.stringify({ plugins: [{ id: 'oci', name: 'OCI injector', slug: 'oci', command: `oci://${reg.host}/plugins/injector:1.0.0`, hookType: 'pre_auth', config: { 'x-from': 'oci' } }] }));
    const cacheDir = join(work, 'cache');
    const env = {
      PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', EDGE_CONFIG_FILE: configFile,
      EDGE_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      OCI_PLUGINS_CACHE_DIR: cacheDir, OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host, OCI_PLUGINS_REQUIRE_SIGNATURE: 'false',
    };
    const settings = loadEdgeSettings(env);
    expect(settings.runtime.oci).toMatchObject({ enabled: true, cacheDir, requireSignature: false });
    app = await startEdgeApp(settings, { hostEnv: process.env, defaultMetrics: false });
    expect(app.manager.getStatus('oci')).toMatchObject({ state: 'running', scheme: 'oci' });
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
    const res = await fetch(`${app.url}/x`);
    expect(((await res.json()) as { headers: Record<string, string> }).headers['x-from']).toBe('oci');
    await app.close();
    app = undefined;

    // The edge default: OCI_PLUGINS_REQUIRE_SIGNATURE unset → signatures required → the unsigned plugin is refused (coded).
    const strict = loadEdgeSettings({ ...env, OCI_PLUGINS_REQUIRE_SIGNATURE: undefined });
    expect(strict.runtime.oci.requireSignature).toBe(true);
    app = await startEdgeApp(strict, { hostEnv: process.env, defaultMetrics: false });
    expect(app.manager.getStatus('oci')).toMatchObject({ state: 'error', error: { code: 'RUNTIME_OCI_PULL_FAILED' } });
    // The plugin is fail-closed by default, so traffic is refused with a coded 503 rather than passing unchecked.
    expect(await (await fetch(`${app.url}/x`)).json()).toMatchObject({ error: { code: 'EDGE_PLUGIN_UNAVAILABLE' } });
  });
});
