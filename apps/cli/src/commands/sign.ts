import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { attachSigstoreBundle, signCosign } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway sign oci://registry/repository[:tag|@digest] --key <private-key.pem> [--bundle] [--insecure] [--json]

Writes a cosign key-based signature (simplesigning payload on the sha256-<hex>.sig tag) for the artifact's digest,
which cosign verify --key and plugway verify/pull accept. --bundle attaches a sigstore bundle (DSSE, key-based) as an
OCI referrer instead (with the sha256-<hex> tag fallback). Make a key pair with "plugway keygen".`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('sign', io, json, async () => {
    const { values, positionals } = parse(argv, { key: { type: 'string' }, bundle: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    if (!values.key) throw new UsageError('--key <private-key.pem> is required');
    const cmd = ociRef(positionals[0]);
    let key;
    try { key = createPrivateKey(readFileSync(values.key)); } catch (e) { throw new UsageError(`cannot read private key ${values.key}: ${(e as Error).message.split('\n')[0]}`); }
    const client = clientFor(cmd, io, values.insecure === true);
    const { repository } = cmd.reference;
    const top = await client.getManifest(repository, cmd.reference.digest ?? cmd.reference.tag ?? 'latest');
    const digest = top.digest;
    if (values.bundle) {
      const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
      const ref = await attachSigstoreBundle(client, repository, { digest, size: top.size, mediaType: top.mediaType }, key, pub);
      io.stdout(json ? JSON.stringify({ ok: true, digest, bundleManifest: ref }) : `signed ${repository}@${digest}
sigstore bundle referrer ${ref}`);
      return EXIT.OK;
    }
    const res = await signCosign(client, repository, digest, key, { dockerReference: `${cmd.reference.registry}/${repository}` });
    io.stdout(json ? JSON.stringify({ ok: true, digest, signatureTag: res.signatureTag }) : `signed ${repository}@${digest}\nsignature ${res.signatureTag}`);
    return EXIT.OK;
  });
}
