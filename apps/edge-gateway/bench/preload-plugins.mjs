// A preload for the side-by-side bench's A/B knob, not shipped: before the edge starts, the process launches n Go
// echo plugins with plugin-host's launchPlugin (health check, stdio and broker streams, as the edge does) and then
// keeps them (`keep`) or closes them all (`close`), started from plugin-host's spawner thread (the default) or from
// the main thread (`direct`); with `thread` all of it runs in a worker thread that ends before the edge starts (the
// main isolate runs none of the launch code); with `h2only` a worker thread starts the n plugins (handshake read
// there, no launchPlugin) and keeps them, and the main thread only opens plugin-host's node:http2 hook client to each
// and makes one health call — what the main thread would still do if the plugin lifecycle ran in a worker (`noh2`:
// not even that, the plugins only started). The edge itself runs with no plugins; with `late` the launch (or the
// h2only work) starts 2 s after the preload (after the edge's start); with `init` each launched plugin then gets one
// Initialize call through plugin-host's node:http2 hook client. Does a process that runs, or once ran, plugins pay
// more per request on a route without them? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-plugins.mjs?10,close;--import=./apps/edge-gateway/bench/preload-plugins.mjs?10,keep' npm run bench side-by-side
// Caveat: a preload that calls process.nextTick a few dozen times before the edge starts leaves nextTick's object
// literal megamorphic for the whole process (edge README, "What is left", "Correction"): what such an A/B measures is
// that, not the work the preload does.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchPlugin } from '../../../libs/plugin-host/dist/index.js';

const [count = '10', ...flags] = new URL(import.meta.url).search.slice(1).split(',');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${repo}node_modules/.cache/plugway-bench/go`;
// Built once (the build is a fork of its own; later processes find the binary and fork nothing but their plugins).
const plugin = existsSync(`${out}/echo-plugin`) ? `${out}/echo-plugin`
  : execFileSync(`${repo}tools/go-plugins/build.sh`, [out, 'echo-plugin'], { encoding: 'utf8' }).trim().split('\n').at(-1);
const spawnVia = flags.includes('direct') ? 'direct' : 'worker';
if (flags.includes('h2only')) {
  const h2only = async () => {
    const { Worker } = await import('node:worker_threads');
    const source = `const { spawn } = require('node:child_process'); const { createInterface } = require('node:readline');
const { parentPort } = require('node:worker_threads');
for (let i = 0; i < ${Number(count)}; i++) {
    const c = spawn(${JSON.stringify(plugin)}, [], { env: { AI_STUDIO_PLUGIN: 'v1', PLUGIN_PROTOCOL_VERSIONS: '1', PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: c.stdout }).once('line', (line) => parentPort.postMessage({ pid: c.pid, path: line.split('|')[3] }));
}`;
    const worker = new Worker(source, { eval: true });
    worker.unref();
    const started = await new Promise((resolve) => { const got = []; worker.on('message', (a) => { got.push(a); if (got.length === Number(count)) resolve(got); }); });
    process.once('exit', () => { for (const { pid } of started) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
    const addresses = started.map((p) => p.path);
    if (flags.includes('noh2')) return;
    const { H2UnaryClient } = await import('../../../libs/plugin-host/dist/h2-client.js');
    const check = Buffer.from([0x0a, 6, ...Buffer.from('plugin')]); // grpc.health.v1.HealthCheckRequest { service: "plugin" }
    const results = await Promise.all(addresses.map((path) => new H2UnaryClient({ kind: 'unix', path }).unary('/grpc.health.v1.Health/Check', check, { deadlineMs: 5000 })));
    if (!results.every((r) => r.ok)) throw new Error(`preload-plugins h2only: a health call failed: ${JSON.stringify(results)}`);
  };
  if (flags.includes('late')) setTimeout(() => void h2only(), 2000);
  else await h2only();
} else if (flags.includes('thread')) {
  const { Worker } = await import('node:worker_threads');
  const host = new URL('../../../libs/plugin-host/dist/index.js', import.meta.url).href;
  const source = `import(${JSON.stringify(host)}).then(async ({ launchPlugin }) => {
  const conns = await Promise.all(Array.from({ length: ${Number(count)} }, () => launchPlugin({ path: ${JSON.stringify(plugin)}, hostEnv: process.env, spawnVia: 'direct' })));
  await Promise.all(conns.map((c) => c.close()));
  process.exit(0);
});`;
  await new Promise((resolve) => new Worker(source, { eval: true }).once('exit', resolve));
} else {
  const launch = async () => {
    const conns = await Promise.all(Array.from({ length: Number(count) }, () => launchPlugin({ path: plugin, hostEnv: process.env, spawnVia })));
    // `init`: one Initialize per plugin through the connection's node:http2 hook client, as the edge's plugin manager does.
    if (flags.includes('init')) {
      const outs = await Promise.all(conns.map((c) => c.callHook('initialize', { config: {}, configJson: '{}' })));
      if (!outs.every((o) => o.status === 'ok')) throw new Error(`preload-plugins init: an Initialize failed: ${JSON.stringify(outs)}`);
    }
    if (flags.includes('close')) await Promise.all(conns.map((c) => c.close()));
  };
  // `late`: 2 s after the preload, when the edge has started (inside the bench's warm-up), as the edge launches its own
  // plugins after its start — which the caveat above does not hit.
  if (flags.includes('late')) setTimeout(() => void launch(), 2000);
  else await launch();
}
