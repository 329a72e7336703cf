// A preload for the side-by-side bench's A/B knob, not shipped: 2 s after the preload (after the edge's start, as the
// edge launches its plugins) the process opens six loopback TCP connections to a server of its own, gives each client
// socket a different set of extra properties (as node:http2 and other libraries add their own to the sockets they
// use), sets an idle timeout on each and echoes a few chunks over them, then closes them — no plugin, no child
// process, no HTTP/2. Every socket read and write runs net.Socket's `_unrefTimer`, so its property loads see more
// object shapes than in the plugin-less edge. Does that alone make the process's proxied requests dearer? E.g.:
//   BENCH_ONLY='edge, no plugins' BENCH_AB_NODE_ARGS='--import=./apps/edge-gateway/bench/preload-sockets.mjs' npm run bench side-by-side
import net from 'node:net';

const EXTRA = [['a'], ['b'], ['a', 'b'], ['c', 'd'], ['e'], ['d', 'c', 'f']];

async function echoOnce(port, props) {
  const socket = net.connect(port, '127.0.0.1');
  for (const p of props) socket[`preload_${p}`] = true;
  socket.setTimeout(60_000);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (let i = 0; i < 4; i++) {
    socket.write(Buffer.alloc(512, i));
    await new Promise((resolve) => socket.once('data', resolve));
  }
  await new Promise((resolve) => { socket.once('close', resolve); socket.end(); });
}

setTimeout(async () => {
  const server = net.createServer((s) => { s.setTimeout(60_000); s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  for (let round = 0; round < 3; round++) for (const props of EXTRA) await echoOnce(port, props);
  server.close();
}, 2000);
