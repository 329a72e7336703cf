import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { guard, parse, UsageError } from '../oci-common.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway keygen --out <prefix> [--force]

Writes <prefix>.key (PKCS#8 private key, mode 0600) and <prefix>.pub (SPKI public key) in PEM — the key types cosign uses.
Give the .pub to runtimes as OCI_PLUGINS_PUBKEY_<NAME> (PEM) or OCI_PLUGINS_PUBLIC_KEY_<N> (path).`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('keygen', io, json, async () => {
    const { values } = parse(argv, { out: { type: 'string' }, force: { type: 'boolean' } });
    if (!values.out) throw new UsageError('--out <prefix> is required');
    const priv = `${values.out}.key`;
    const pub = `${values.out}.pub`;
    if (!values.force && (existsSync(priv) || existsSync(pub))) throw new UsageError(`${priv} or ${pub} exists (use --force to overwrite)`);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    io.stdout(json ? JSON.stringify({ ok: true, privateKey: priv, publicKey: pub }) : `wrote ${priv} (keep secret) and ${pub}`);
    return EXIT.OK;
  });
}
