// Static checks of deploy/ (Docker and helm cannot run on this machine): the YAML parses, required keys are there, every
// `.Values.*` path a chart template uses exists in values.yaml, template blocks balance, Dockerfiles point at real outputs.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(REPO, 'deploy');
const CHART = join(DEPLOY, 'helm/plugway');
const read = (p: string) => readFileSync(p, 'utf8');

function get(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' && k in o ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('helm chart deploy/helm/plugway', () => {
  const chart = parse(read(join(CHART, 'Chart.yaml'))) as Record<string, unknown>;
  const values = parse(read(join(CHART, 'values.yaml'))) as Record<string, unknown>;
  const templates = readdirSync(join(CHART, 'templates')).map((f) => ({ f, text: read(join(CHART, 'templates', f)) }));

  it('has a v2 Chart.yaml with name, version and appVersion', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'plugway', type: 'application' });
    expect(String(chart['version'])).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart['appVersion']).toBeTruthy();
  });

  it('has values for both components', () => {
    for (const c of ['studio', 'edge']) {
      for (const k of ['enabled', 'replicaCount', 'image.repository', 'image.tag', 'port', 'service.port', 'oci.cacheDir', 'oci.requireSignature', 'resources']) {
        expect(get(values, [c, ...k.split('.')]), `${c}.${k}`).not.toBeUndefined();
      }
    }
    expect(get(values, ['edge', 'oci', 'cacheDir'])).toBe('/var/lib/microgateway/plugins');
  });

  it('only references values that exist', () => {
    const missing: string[] = [];
    for (const { f, text } of templates) {
      for (const m of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        if (get(values, m[1]!.split('.')) === undefined) missing.push(`${f}: .Values.${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has balanced template blocks and a Deployment + Service per component', () => {
    for (const { f, text } of templates) {
      const opens = [...text.matchAll(/\{\{-?\s*(if|with|range|define)\b/g)].length;
      const ends = [...text.matchAll(/\{\{-?\s*end\s*-?\}\}/g)].length;
      expect(ends, f).toBe(opens);
    }
    for (const c of ['studio', 'edge']) {
      const t = templates.find((x) => x.f === `${c}.yaml`)!.text;
      expect(t).toMatch(/kind: Deployment/);
      expect(t).toMatch(/kind: Service\b/);
    }
    expect(templates.find((x) => x.f === 'edge.yaml')!.text).toContain('OCI_PLUGINS_REQUIRE_SIGNATURE');
  });
});

describe('docker-compose.yml and Dockerfiles', () => {
  it('runs studio, edge and a registry', () => {
    const compose = parse(read(join(DEPLOY, 'docker-compose.yml'))) as { services: Record<string, { build?: { dockerfile: string }; environment?: Record<string, string> }> };
    expect(Object.keys(compose.services).sort()).toEqual(['edge', 'postgres', 'registry', 'studio']);
    // Issue #13: two studio replicas on the one PostgreSQL, two edges.
    const multi = compose.services as Record<string, { deploy?: { replicas?: number }; environment?: Record<string, string> }>;
    expect([multi['studio']!.deploy?.replicas, multi['edge']!.deploy?.replicas]).toEqual([2, 2]);
    expect(multi['studio']!.environment!['DATABASE_URL']).toMatch(/^postgres:\/\/plugway:.*@postgres:5432\/plugway$/);
    expect(compose.services['edge']!.environment).toMatchObject({ OCI_PLUGINS_CACHE_DIR: '/var/lib/microgateway/plugins', EDGE_STUDIO_URL: 'http://studio:3000' });
    for (const s of ['studio', 'edge']) expect(read(join(REPO, compose.services[s]!.build!.dockerfile))).toContain('FROM node:20-slim AS runtime');
  });

  it.each([['studio'], ['edge-gateway']])('%s Dockerfile is multi-stage on node:20-slim and starts the built main', (app) => {
    const text = read(join(DEPLOY, `docker/${app}.Dockerfile`));
    expect(text.match(/^FROM node:20-slim AS \w+$/gm)).toHaveLength(2);
    expect(text).toContain(`CMD ["node", "apps/${app}/dist/main.js"]`);
    const outDir = (JSON.parse(read(join(REPO, `apps/${app}/tsconfig.app.json`))) as { compilerOptions: { outDir: string; rootDir: string } }).compilerOptions;
    expect(outDir).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(text).toMatch(/^USER node$/m);
  });
});
