// A preload for the side-by-side bench's A/B knob, not shipped: HTTP/2 traffic shaped like a plugin connection's
// (20 gRPC-framed unary calls at start, then one per second, like a health check) in a process that otherwise runs
// unchanged. The server always runs in a worker thread (a plugin is another process); `?main` makes the calls from the
// main thread, `?worker` from that worker, so the main isolate never runs HTTP/2. Compares where the plugins' HTTP/2
// could live, e.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-h2.mjs?main;--import=./apps/edge-gateway/bench/preload-h2.mjs?worker' npm run bench side-by-side
// Caveat: a preload that calls process.nextTick a few dozen times before the edge starts leaves nextTick's object
// literal megamorphic for the whole process (edge README, "What is left", "Correction"): what such an A/B measures is
// that, not the work the preload does.
import { Buffer } from 'node:buffer';
import http2 from 'node:http2';
import { setInterval } from 'node:timers';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const FRAME = Buffer.from([0, 0, 0, 0, 0]);   // an empty gRPC message

function serve() {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(FRAME);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function calls(port) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.unref();
  const call = () => new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': '/bench.Echo/Call', 'content-type': 'application/grpc', te: 'trailers' });
    req.on('data', () => {});
    req.on('close', resolve);
    req.end(FRAME);
  });
  for (let i = 0; i < 20; i++) await call();
  setInterval(call, 1000).unref();
}

if (isMainThread) {
  const where = new URL(import.meta.url).search.slice(1);
  if (where !== 'main' && where !== 'worker') throw new Error(`preload-h2.mjs?main or ?worker, not ?${where}`);
  const worker = new Worker(new URL(import.meta.url), { workerData: where, execArgv: [] });
  worker.unref();
  if (where === 'main') worker.once('message', (port) => void calls(port));
} else {
  const port = await serve();
  if (workerData === 'worker') await calls(port);
  else parentPort.postMessage(port);
}
