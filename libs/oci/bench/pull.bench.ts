// Pull of a 64 MiB plugin through pullPlugin vs `skopeo copy` of the same artifact from the same registry, and the
// cache-hit load time (which re-hashes the binary). Prints numbers; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../../../tools/test-registry/index.mjs';
import { PluginCache, pullPlugin, pushPlugin, RegistryClient } from '@plugway/oci';

const SIZE = Number(process.env.BENCH_PLUGIN_MIB ?? 64) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (spawnSync('skopeo', ['--version']).status !== 0) {
  spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'skopeo'], { stdio: 'inherit' });
}
const reg = await startRegistry();
const work = mkdtempSync(join(tmpdir(), 'oci-bench-'));
try {
  const file = join(work, 'plugin.bin');
  writeFileSync(file, randomBytes(SIZE));
  chmodSync(file, 0o755);
  const client = new RegistryClient({ registry: reg.host });
  await pushPlugin({ client, repository: 'bench/plugin', tag: 'v1', file });

  const ours: number[] = [];
  let lastCache: PluginCache | undefined;
  for (let i = 0; i < RUNS; i++) {
    const cache = await PluginCache.open({ root: join(work, `cache-${i}`) });
    const t = performance.now();
    await pullPlugin({ reference: { registry: reg.host, repository: 'bench/plugin', tag: 'v1' }, client, cache });
    ours.push(performance.now() - t);
    lastCache = cache;
  }
  const skopeo: number[] = [];
  let skopeoError = '';
  for (let i = 0; i < RUNS; i++) {
    const dest = join(work, `skopeo-${i}`);
    const t = performance.now();
    const r = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/bench/plugin:v1`, `dir:${dest}`], { encoding: 'utf8' });
    if (r.status !== 0) { skopeoError = r.stderr.trim() || `exit ${r.status}`; break; }
    skopeo.push(performance.now() - t);
  }
  const hits: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const res = await pullPlugin({ reference: { registry: reg.host, repository: 'bench/plugin', tag: 'v1' }, client, cache: lastCache! });
    if (!res.fromCache) throw new Error('expected a cache hit');
    hits.push(performance.now() - t);
  }
  console.log(`pull of a ${SIZE / 1024 / 1024} MiB plugin from a local docker-registry (median of ${RUNS})`);
  console.table({
    'plugway pullPlugin (download + sha256 + commit)': { ms: median(ours).toFixed(1) },
    'skopeo copy → dir:': { ms: skopeo.length ? median(skopeo).toFixed(1) : `failed: ${skopeoError.slice(0, 80)}` },
    'ratio plugway/skopeo': { ms: skopeo.length ? (median(ours) / median(skopeo)).toFixed(2) : 'n/a' },
    'cache hit (IfNotPresent, re-hash on load)': { ms: median(hits).toFixed(1) },
  });
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
