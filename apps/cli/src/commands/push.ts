import { pushPlugin } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { progressReporter } from '../progress.js';
import { EXIT, type CliIo } from '../io.js';

export const summary = 'Publish an executable as a plugin artifact: plugway push <file> oci://registry/repo:tag';
export const usage = `Usage: plugway push <file> oci://registry/repository[:tag] [--platform os/arch] [--insecure] [--json]

Uploads <file> as the single layer of an OCI artifact (artifactType application/vnd.plugway.plugin.v1) and tags it.
Prints the manifest digest to pin (oci://…@sha256:…) and to sign. Credentials: OCI_PLUGINS_REGISTRY_<HOST>_* or docker config.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('push', io, json, async () => {
    const { values, positionals } = parse(argv, { platform: { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError('expected <file> and an oci:// reference');
    const cmd = ociRef(positionals[1]);
    if (cmd.reference.digest) throw new UsageError('push to a tag, not a digest');
    const client = clientFor(cmd, io, values.insecure === true);
    const bar = progressReporter(io, 'push');
    const [os, architecture] = (values.platform ?? '').split('/');
    const res = await pushPlugin({
      client, repository: cmd.reference.repository, tag: cmd.reference.tag ?? 'latest', file: positionals[0]!, onProgress: bar.update,
      ...(values.platform && os && architecture ? { platform: { os, architecture } } : {}),
    });
    bar.end();
    const pinned = `oci://${cmd.reference.registry}/${cmd.reference.repository}@${res.digest}`;
    io.stdout(json ? JSON.stringify({ ok: true, digest: res.digest, binaryDigest: res.binaryDigest, size: res.size, reference: pinned }) : `pushed ${cmd.reference.canonical}\ndigest ${res.digest}\npin    ${pinned}`);
    return EXIT.OK;
  });
}
