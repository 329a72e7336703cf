import { readFileSync } from 'node:fs';
import { createKeyRing, publicKeysFromEnv, selectKeys, verifySignature } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway verify oci://registry/repository[:tag|@digest][?pubkey=<name>] [--key <public-key.pem>] [--insecure] [--json]

Verifies the cosign key-based signature of the artifact's digest with --key, or with the keys in
OCI_PLUGINS_PUBLIC_KEY_<N> / OCI_PLUGINS_PUBKEY_<NAME> (pubkey=<name> picks one). Exit 0 verified, 1 not.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('verify', io, json, async () => {
    const { values, positionals } = parse(argv, { key: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    const cmd = ociRef(positionals[0]);
    let ring;
    if (values.key) {
      try { ring = createKeyRing({ cli: readFileSync(values.key, 'utf8') }); } catch (e) { throw new UsageError(`cannot use ${values.key}: ${(e as Error).message}`); }
    } else ring = publicKeysFromEnv(io.env);
    const keys = selectKeys(ring, values.key ? undefined : cmd.options.pubkey);
    if (!keys.length) throw new UsageError('no public key: pass --key or set OCI_PLUGINS_PUBKEY_<NAME>');
    const client = clientFor(cmd, io, values.insecure === true);
    const { repository } = cmd.reference;
    const digest = cmd.reference.digest ?? (await client.getManifest(repository, cmd.reference.tag ?? 'latest')).digest;
    const res = await verifySignature(client, repository, digest, keys);
    io.stdout(json ? JSON.stringify({ ok: true, digest, verifiedBy: res.verifiedBy }) : `verified ${repository}@${digest} with key "${res.verifiedBy}"`);
    return EXIT.OK;
  });
}
