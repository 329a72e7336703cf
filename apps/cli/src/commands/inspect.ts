import { decodePluginConfig, isIndexMediaType, MEDIA_TYPE_PLUGIN_CONFIG, signatureTag, type Descriptor, type PluginRuntime, type ImageIndex, type ImageManifest } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway inspect oci://registry/repository[:tag|@digest] [--insecure] [--json]`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('inspect', io, json, async () => {
    const { values, positionals } = parse(argv, {});
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    const cmd = ociRef(positionals[0]);
    const client = clientFor(cmd, io, values.insecure === true);
    const { repository } = cmd.reference;
    const top = await client.getManifest(repository, cmd.reference.digest ?? cmd.reference.tag ?? 'latest');
    const sig = await client.headManifest(repository, signatureTag(top.digest));
    const out: Record<string, unknown> = { reference: cmd.reference.canonical, digest: top.digest, mediaType: top.mediaType, size: top.size, signed: sig !== undefined };
    if (isIndexMediaType(top.mediaType)) {
      out.platforms = ((top.json as unknown as ImageIndex).manifests ?? []).map((d: Descriptor) => ({ digest: d.digest, platform: d.platform }));
    } else {
      const m = top.json as unknown as ImageManifest;
      out.artifactType = m.artifactType ?? null;
      out.layers = (m.layers ?? []).map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
      out.annotations = m.annotations ?? {};
      // A packaged plugin's config names the runtime the host must provide.
      if (m.config?.mediaType === MEDIA_TYPE_PLUGIN_CONFIG) out.runtime = decodePluginConfig(await client.getBlob(repository, m.config.digest, { maxBytes: 64 * 1024 }), String(out.reference));
    }
    if (json) io.stdout(JSON.stringify(out));
    else {
      io.stdout(`${out.reference}\n  digest     ${out.digest}\n  mediaType  ${out.mediaType}\n  signed     ${out.signed ? 'yes (cosign .sig tag)' : 'no'}`);
      if (out.platforms) for (const p of out.platforms as Array<{ digest: string; platform?: { os: string; architecture: string } }>) io.stdout(`  platform   ${p.platform?.os}/${p.platform?.architecture}  ${p.digest}`);
      if (out.layers) for (const l of out.layers as Array<{ mediaType: string; size: number; digest: string }>) io.stdout(`  layer      ${l.mediaType}  ${l.size} B  ${l.digest}`);
      const rt = out.runtime as PluginRuntime | undefined;
      if (rt) io.stdout(`  runtime    ${rt.name}${rt.minVersion ? ` >= ${rt.minVersion}` : ''} (the host runs the file with it)`);
    }
    return EXIT.OK;
  });
}
