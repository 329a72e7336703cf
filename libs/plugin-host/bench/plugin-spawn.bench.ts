// `npm run bench plugin-spawn`: what starting a plugin process costs the host's main thread, forking from it
// ('direct') against from plugin-host's spawner worker thread (`spawnVia: 'worker'`, the default). A fork copies the
// page tables of the whole process while the forking thread waits, so a direct start blocks the main thread in
// proportion to the host's memory; from the worker the main thread only posts a message. For two host sizes (filled with 100 and 500 MB worth of small objects: RSS ~220 and ~720 MB), in interleaved rounds of fresh processes
// (bench/spawn-stall.mjs on plugin-host's compiled dist/), it prints the median time one start blocks the host's
// event loop (p50 and worst of BENCH_SPAWNS starts per process), the ratio direct / worker, and the main event loop's
// worst delay while the starts ran.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 20);
const CHILD = fileURLToPath(new URL('./spawn-stall.mjs', import.meta.url));

const Line = z.object({
  via: z.enum(['direct', 'worker']), rssMb: z.number(), p50: z.number(), max: z.number(), loopDelayMaxMs: z.number(),
});
type Line = z.infer<typeof Line>;

const median = (xs: number[]): number => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

function measure(via: 'direct' | 'worker', heapMb: number): Line {
  const r = spawnSync(process.execPath, [CHILD, via, String(heapMb), String(SPAWNS)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`spawn-stall.mjs ${via} ${heapMb} exited ${r.status}: ${r.stderr.slice(-500)}`);
  return Line.parse(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? ''));
}

async function main(): Promise<void> {
  const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
  ensureBuilt('@plugway/plugin-host');
  const rows: Record<string, string | number>[] = [];
  for (const heapMb of [100, 500]) {
    const got: Record<'direct' | 'worker', Line[]> = { direct: [], worker: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const via of round % 2 ? (['worker', 'direct'] as const) : (['direct', 'worker'] as const)) got[via].push(measure(via, heapMb));
    }
    for (const via of ['direct', 'worker'] as const) {
      const ls = got[via];
      rows.push({
        host: `RSS ${median(ls.map((x) => x.rssMb))} MB`, via,
        'blocked ms p50': median(ls.map((l) => l.p50)).toFixed(3), 'blocked ms max': median(ls.map((l) => l.max)).toFixed(3),
        'loop delay ms max': median(ls.map((x) => x.loopDelayMaxMs)).toFixed(1),
      });
    }
    console.log(`host of RSS ${median(got.direct.map((x) => x.rssMb))} MB: event loop blocked per plugin start, direct / worker (p50): ${(median(got.direct.map((x) => x.p50)) / median(got.worker.map((x) => x.p50))).toFixed(1)}×`);
  }
  console.log(`${ROUNDS} interleaved rounds of a fresh process per variant, ${SPAWNS} starts of /bin/true each, medians; node ${process.version}`);
  console.table(rows);
}

await main();
