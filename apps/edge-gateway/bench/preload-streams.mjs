// A preload for the side-by-side bench's A/B knob, not shipped: 2 s after the preload (after the edge's start, as the
// edge launches its plugins) the process moves a few chunks through Node-core streams of classes the plugin-less
// edge's request path never sees (a Readable, a PassThrough, a Duplex and a Writable subclass; 20 pipelines, then
// dropped) — no plugin, no child process, no HTTP/2, no socket. Does a process whose stream functions have seen more
// object shapes pay more per proxied request (V8's inline caches in Node core are shared by every stream)? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-streams.mjs' npm run bench side-by-side
import { Duplex, PassThrough, Readable, Writable } from 'node:stream';

class Source extends Readable {
  constructor() { super(); this.left = 4; }
  _read() { this.push(this.left-- > 0 ? Buffer.alloc(512, 1) : null); }
}
class Relay extends Duplex {
  _read() { /* pushed from _write */ }
  _write(chunk, _enc, cb) { this.push(chunk); cb(); }
  _final(cb) { this.push(null); cb(); }
}
class Sink extends Writable {
  constructor() { super(); this.bytes = 0; }
  _write(chunk, _enc, cb) { this.bytes += chunk.length; cb(); }
}

function pipeline() {
  return new Promise((resolve, reject) => {
    const sink = new Sink();
    const relay = new Relay();
    relay.on('data', () => undefined);
    new Source().pipe(new PassThrough()).pipe(sink);
    sink.once('finish', () => { relay.end(Buffer.alloc(64)); relay.once('end', () => { relay.destroy(); resolve(sink.bytes); }); });
    sink.once('error', reject);
  });
}

setTimeout(async () => { for (let i = 0; i < 20; i++) await pipeline(); }, 2000);
