// Child of pull.bench.ts: pushes one file and prints its memory: RSS sampled every 10 ms during the push, and the
// kernel's maxRSS (which also catches spikes shorter than a sample), so push memory can be compared across sizes.
import { pushPlugin, RegistryClient } from '@plugway/oci';

const [host, file, repo] = process.argv.slice(2) as [string, string, string];
let sampled = 0;
const timer = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 10);
await pushPlugin({ client: new RegistryClient({ registry: host }), repository: repo, tag: 'v1', file });
clearInterval(timer);
console.log(`sampled ${Math.round(sampled / 1048576)}, maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)}`);
