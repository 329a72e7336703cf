// Child of pull.bench.ts: pushes one file and prints its memory: RSS sampled every 10 ms during the push, and the
// kernel's peak RSS of this process (VmHWM in /proc/self/status, which also catches spikes shorter than a sample).
// Not getrusage's maxRSS: Linux carries that across fork + exec, so a child spawned by a parent holding 300 MiB
// reports >= 300 MiB whatever it does itself (a `node -e ""` child of such a parent shows maxRSS 304, VmHWM 39).
import { readFileSync } from 'node:fs';
import { pushPlugin, RegistryClient } from '@plugway/oci';

const [host, file, repo] = process.argv.slice(2);
if (!host || !file || !repo) throw new Error('usage: push-child.ts <registry> <file> <repository>');
let sampled = 0;
const timer = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 10);
await pushPlugin({ client: new RegistryClient({ registry: host }), repository: repo, tag: 'v1', file });
clearInterval(timer);
const hwm = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
console.log(`sampled ${Math.round(sampled / 1048576)}, peak ${Math.round(hwm / 1048576)}`);
