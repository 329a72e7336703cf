import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signCosign } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { EXIT, type CliIo } from '../io.js';

export const summary = 'Sign a plugin artifact with a private key (cosign-compatible): plugway sign oci://… --key key.pem';
export const usage = `Usage: plugway sign oci://registry/repository[:tag|@digest] --key <private-key.pem> [--insecure] [--json]

Writes a cosign key-based signature (simplesigning payload on the sha256-<hex>.sig tag) for the artifact's digest,
which cosign verify --key and plugway verify/pull accept. Make a key pair with "plugway keygen".`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('sign', io, json, async () => {
    const { values, positionals } = parse(argv, { key: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    if (!values.key) throw new UsageError('--key <private-key.pem> is required');
    const cmd = ociRef(positionals[0]);
    let key;
    try { key = createPrivateKey(readFileSync(values.key)); } catch (e) { throw new UsageError(`cannot read private key ${values.key}: ${(e as Error).message.split('\n')[0]}`); }
    const client = clientFor(cmd, io, values.insecure === true);
    const { repository } = cmd.reference;
    const digest = cmd.reference.digest ?? (await client.getManifest(repository, cmd.reference.tag ?? 'latest')).digest;
    const res = await signCosign(client, repository, digest, key, { dockerReference: `${cmd.reference.registry}/${repository}` });
    io.stdout(json ? JSON.stringify({ ok: true, digest, signatureTag: res.signatureTag }) : `signed ${repository}@${digest}\nsignature ${res.signatureTag}`);
    return EXIT.OK;
  });
}
