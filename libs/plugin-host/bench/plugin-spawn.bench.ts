// `npm run bench plugin-spawn`: what starting a plugin process costs the host, forking itself ('direct') against
// through the plugin helper (`spawnVia: 'helper'`, the default). A fork copies the page tables of the whole forking
// process while its event loop waits, so a direct start blocks a host in proportion to its memory; through the helper
// the host only sends a message. For two host sizes (filled with 100 and 500 MB worth of small objects: RSS ~220 and ~720 MB), in interleaved rounds of fresh processes
// (bench/spawn-stall.mjs on plugin-host's compiled dist/), it prints the median time one start blocks the host's
// event loop (p50 and worst of BENCH_SPAWNS starts per process), the ratio direct / helper, and what the helper
// process itself holds (RSS, PSS, private dirty memory).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 20);
const CHILD = fileURLToPath(new URL('./spawn-stall.mjs', import.meta.url));

const Line = z.object({
  via: z.enum(['direct', 'helper']), rssMb: z.number(), p50: z.number(), max: z.number(),
  helperRssMb: z.number().optional(), helperPssMb: z.number().optional(), helperPrivateMb: z.number().optional(),
});
type Line = z.infer<typeof Line>;

const median = (xs: number[]): number => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

function measure(via: 'direct' | 'helper', heapMb: number): Line {
  const r = spawnSync(process.execPath, [CHILD, via, String(heapMb), String(SPAWNS)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`spawn-stall.mjs ${via} ${heapMb} exited ${r.status}: ${r.stderr.slice(-500)}`);
  return Line.parse(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? ''));
}

async function main(): Promise<void> {
  const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
  ensureBuilt('@plugway/plugin-host');
  const rows: Record<string, string | number>[] = [];
  for (const heapMb of [100, 500]) {
    const got: Record<'direct' | 'helper', Line[]> = { direct: [], helper: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const via of round % 2 ? (['helper', 'direct'] as const) : (['direct', 'helper'] as const)) got[via].push(measure(via, heapMb));
    }
    for (const via of ['direct', 'helper'] as const) {
      const ls = got[via];
      rows.push({
        host: `RSS ${median(ls.map((x) => x.rssMb))} MB`, via,
        'blocked ms p50': median(ls.map((l) => l.p50)).toFixed(3), 'blocked ms max': median(ls.map((l) => l.max)).toFixed(3),
        'helper RSS / PSS / private MB': via === 'helper' ? [l(ls, 'helperRssMb'), l(ls, 'helperPssMb'), l(ls, 'helperPrivateMb')].join(' / ') : '',
      });
    }
    console.log(`host of RSS ${median(got.direct.map((x) => x.rssMb))} MB: event loop blocked per plugin start, direct / helper (p50): ${(median(got.direct.map((x) => x.p50)) / median(got.helper.map((x) => x.p50))).toFixed(1)}×`);
  }
  console.log(`${ROUNDS} interleaved rounds of a fresh process per variant, ${SPAWNS} starts of /bin/true each, medians; node ${process.version}`);
  console.table(rows);
}

function l(ls: Line[], k: 'helperRssMb' | 'helperPssMb' | 'helperPrivateMb'): string {
  return median(ls.map((x) => x[k] ?? NaN)).toFixed(1);
}

await main();
