// The OCI path's numbers, against a local docker-registry:
// - pullPlugin of a 64 MiB plugin vs `skopeo copy` of the same artifact (in-process, and whole-process with the compiled
//   CLI `node apps/cli/dist/main.js pull` when it has been built);
// - cache hits by digest and by tag within its TTL (target ≤ 2 ms median for 64 MiB: no re-hash of a verified binary);
// - peak RSS of a push at three sizes (target: about the same, the push streams).
// Prints numbers; asserts nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../../../tools/test-registry/index.mjs';
import { PluginCache, pullPlugin, pushPlugin, RegistryClient } from '@plugway/oci';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_PLUGIN_MIB ?? 64) * MIB;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HIT_RUNS = 200;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'apps/cli/dist/main.js');
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (xs: number[]): string => (xs.length ? median(xs).toFixed(2) : 'n/a');

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
  const pushed = await pushPlugin({ client, repository: 'bench/plugin', tag: 'v1', file });
  const byTag = { registry: reg.host, repository: 'bench/plugin', tag: 'v1' };
  const byDigest = { registry: reg.host, repository: 'bench/plugin', digest: pushed.digest };

  const ours: number[] = [];
  let lastCache: PluginCache | undefined;
  for (let i = 0; i < RUNS; i++) {
    const cache = await PluginCache.open({ root: join(work, `cache-${i}`) });
    const t = performance.now();
    await pullPlugin({ reference: byTag, client, cache });
    ours.push(performance.now() - t);
    lastCache = cache;
  }

  // Whole process, paired: plugway's compiled CLI then skopeo, each into a fresh destination.
  const cliBuilt = existsSync(CLI);
  const cliRuns: number[] = [];
  const skopeo: number[] = [];
  const pairRatios: number[] = [];
  let skopeoError = '';
  for (let i = 0; i < RUNS; i++) {
    let cli: number | undefined;
    if (cliBuilt) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'pull', `oci://${reg.host}/bench/plugin:v1`, '--cache-dir', join(work, `cli-${i}`)], { encoding: 'utf8' });
      if (r.status === 0) cliRuns.push((cli = performance.now() - t));
    }
    const t = performance.now();
    const r = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/bench/plugin:v1`, `dir:${join(work, `skopeo-${i}`)}`], { encoding: 'utf8' });
    if (r.status !== 0) { skopeoError = r.stderr.trim() || `exit ${r.status}`; break; }
    skopeo.push(performance.now() - t);
    if (cli !== undefined) pairRatios.push(cli / skopeo[skopeo.length - 1]!);
  }

  const hit = async (reference: typeof byTag | typeof byDigest): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < HIT_RUNS; i++) {
      const t = performance.now();
      const res = await pullPlugin({ reference, client, cache: lastCache! });
      out.push(performance.now() - t);
      if (!res.fromCache) throw new Error('expected a cache hit');
    }
    return out;
  };
  const tagHits = await hit(byTag);
  const digestHits = await hit(byDigest);

  // Push memory at three sizes, each in its own process. The file is written 1 MiB at a time (a child would not
  // see this process's memory anyway: it reports its own VmHWM).
  const rss: Record<string, string> = {};
  for (const mib of [16, 64, 256]) {
    const f = join(work, `push-${mib}.bin`);
    const fd = openSync(f, 'w');
    for (let i = 0; i < mib; i++) writeSync(fd, randomBytes(MIB));
    closeSync(fd);
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./push-child.ts', import.meta.url)), reg.host, f, `bench/push-${mib}`], { encoding: 'utf8', cwd: ROOT });
    rss[`push ${mib} MiB: peak RSS MiB`] = r.status === 0 ? r.stdout.trim() : `failed: ${r.stderr.slice(0, 80)}`;
    rmSync(f, { force: true });
  }

  console.log(`OCI path, ${SIZE / MIB} MiB plugin, local docker-registry (median of ${RUNS}; cache hits median of ${HIT_RUNS})`);
  console.table({
    'in-process pullPlugin (download + sha256 + commit), ms': ms(ours),
    'whole-process `node apps/cli/dist/main.js pull`, ms': cliBuilt ? ms(cliRuns) : 'CLI not built (npm run build)',
    'whole-process `skopeo copy` → dir:, ms': skopeo.length ? ms(skopeo) : `failed: ${skopeoError.slice(0, 80)}`,
    'ratio CLI / skopeo (target ≤ 1.0)': cliRuns.length && skopeo.length ? (median(cliRuns) / median(skopeo)).toFixed(2) : 'n/a',
    'median of the per-pair ratios CLI / skopeo': pairRatios.length ? median(pairRatios).toFixed(2) : 'n/a',
    'cache hit by tag within TTL, ms (target ≤ 2)': ms(tagHits),
    'cache hit by digest, ms (target ≤ 2)': ms(digestHits),
    ...rss,
  });
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
