import { pushPlugin } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { progressReporter } from '../progress.js';
import { classifyPluginFile } from '../plugin-file.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway push <file> oci://registry/repository[:tag] [--platform os/arch] [--force] [--insecure] [--json]

Uploads <file> as the single layer of an OCI artifact (artifactType application/vnd.plugway.plugin.v1) and tags it.
<file> must run by itself on the host: an ELF or Mach-O executable, a script whose #! interpreter resolves, or a
plugin built by "plugway package" (its config then names the runtime, node, and the minimum Node version). A .ts file
or a wrapper that starts Node on sources next to it is refused; --force pushes it anyway, with a warning.
Prints the manifest digest to pin (oci://…@sha256:…) and to sign. Credentials: OCI_PLUGINS_REGISTRY_<HOST>_* or docker config.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('push', io, json, async () => {
    const { values, positionals } = parse(argv, { platform: { type: 'string' }, force: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('expected <file> and an oci:// reference');
    const cmd = ociRef(positionals[1]);
    if (cmd.reference.digest) throw new UsageError('push to a tag, not a digest');
    const file = classifyPluginFile(positionals[0]!, io.env);
    if (file.kind === 'refused') {
      if (values.force !== true) throw new UsageError(file.reason);
      io.stderr(`plugway push: warning: pushing anyway (--force): ${file.reason}`);
    }
    const runtime = file.kind === 'packaged' ? { name: file.header.runtime, minVersion: file.header.minNodeVersion } : undefined;
    const client = clientFor(cmd, io, values.insecure === true);
    const bar = progressReporter(io, 'push');
    const [os, architecture] = (values.platform ?? '').split('/');
    const res = await pushPlugin({
      client, repository: cmd.reference.repository, tag: cmd.reference.tag ?? 'latest', file: positionals[0]!, onProgress: bar.update, ...(runtime ? { runtime } : {}),
      ...(values.platform && os && architecture ? { platform: { os, architecture } } : {}),
    });
    bar.end();
    const pinned = `oci://${cmd.reference.registry}/${cmd.reference.repository}@${res.digest}`;
    io.stdout(json ? JSON.stringify({ ok: true, digest: res.digest, binaryDigest: res.binaryDigest, size: res.size, reference: pinned, kind: file.kind, ...(runtime ? { runtime } : {}) }) : `pushed ${cmd.reference.canonical}\ndigest ${res.digest}\npin    ${pinned}`);
    return EXIT.OK;
  });
}
