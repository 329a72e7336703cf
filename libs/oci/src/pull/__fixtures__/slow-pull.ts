// Child process for the "killed mid-download" test: pulls through a fetch that trickles the body.
import { PluginCache, RegistryClient, pullPlugin } from '../../index.js';

const [registry, repository, tag, root] = process.argv.slice(2) as [string, string, string, string];
const slowFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (!String(typeof input === 'string' ? input : (input as Request).url ?? input).includes('/blobs/') || !res.body) return res;
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const { done, value } = await reader.read();
      if (done) return ctrl.close();
      await new Promise((r) => setTimeout(r, 20));
      ctrl.enqueue(value);
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
};
const cache = await PluginCache.open({ root });
const client = new RegistryClient({ registry, fetch: slowFetch, retries: 0 });
process.stdout.write('pulling\n');
await pullPlugin({ reference: { registry, repository, tag }, client, cache });
process.stdout.write('done\n');
