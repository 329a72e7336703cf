import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { createKeyRing, PluginCache, publicKeysFromEnv, pullPlugin } from '@plugway/oci';
import { clientFor, guard, ociRef, parse, UsageError } from '../oci-common.js';
import { progressReporter } from '../progress.js';
import { EXIT, type CliIo } from '../io.js';

export const usage = `Usage: plugway pull oci://registry/repository[:tag|@digest][?pubkey=&arch=&auth=] [--cache-dir <dir>]
                    [--require-signature] [--key <public-key.pem>] [--always] [--insecure] [--json]

Resolves, verifies (when required or pubkey= is given) and caches the plugin; prints the executable's path.
Cache dir: --cache-dir, else OCI_PLUGINS_CACHE_DIR, else ~/.cache/plugway/plugins.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  return guard('pull', io, json, async () => {
    const { values, positionals } = parse(argv, { 'cache-dir': { type: 'string' }, 'require-signature': { type: 'boolean' }, key: { type: 'string' }, always: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    const cmd = ociRef(positionals[0]);
    const root = values['cache-dir'] ?? io.env.OCI_PLUGINS_CACHE_DIR ?? join(homedir(), '.cache', 'plugway', 'plugins');
    const keys = values.key ? createKeyRing({ cli: readFileSync(values.key, 'utf8') }) : publicKeysFromEnv(io.env);
    const cache = await PluginCache.open({ root });
    const bar = progressReporter(io, 'pull');
    const res = await pullPlugin({
      reference: cmd.reference, options: values.key ? { ...cmd.options, pubkey: 'cli' } : cmd.options, client: clientFor(cmd, io, values.insecure === true), cache, keys,
      requireSignature: values['require-signature'] === true, pullPolicy: values.always ? 'Always' : 'IfNotPresent', onProgress: bar.update,
    });
    bar.end();
    io.stdout(json ? JSON.stringify({ ok: true, path: res.path, digest: res.digest, manifestDigest: res.manifestDigest, verifiedBy: res.verifiedBy ?? null, fromCache: res.fromCache })
      : `${res.path}\n(${res.fromCache ? 'from cache' : 'pulled'}, ${res.digest}${res.verifiedBy ? `, verified by "${res.verifiedBy}"` : ', signature not checked'})`);
    return EXIT.OK;
  });
}
