import type { Logger } from '@plugway/core';
import type { OciCommand } from '@plugway/command';
import { createRegistryAuth, type RegistryAuthConfig } from '@plugway/registry-auth';
import { PluginCache, pullPlugin, RegistryClient, type KeyRing } from '@plugway/oci';
import type { RuntimeSettings } from './options.js';
import type { OciPuller } from './plugin-manager.js';

/**
 * The OCI path of the runtime: registry auth (env credentials, docker config, token exchange) → registry client →
 * content-addressed cache → signature check → verified executable. One cache and one client per registry.
 */
export function createOciPuller(settings: RuntimeSettings, deps: { logger?: Logger; dockerConfigPath?: string } = {}): OciPuller {
  const oci = settings.oci;
  const auth = createRegistryAuth({
    ...(settings.registryAuth ? { config: settings.registryAuth as RegistryAuthConfig } : {}),
    ...(deps.dockerConfigPath ? { dockerConfigPath: deps.dockerConfigPath } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  let cache: Promise<PluginCache> | undefined;
  const clients = new Map<string, RegistryClient>();
  return async (cmd: OciCommand, opts) => {
    cache ??= PluginCache.open({ root: oci.cacheDir!, ...(deps.logger ? { logger: deps.logger } : {}) });
    const key = `${cmd.reference.registry}|${cmd.options.auth ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      const insecure = oci.insecureRegistries.includes(cmd.reference.registry);
      client = new RegistryClient({ registry: cmd.reference.registry, auth, ...(cmd.options.auth ? { credentialName: cmd.options.auth } : {}), ...(insecure ? { scheme: 'http' as const } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
      clients.set(key, client);
    }
    const c = await cache;
    const res = await pullPlugin({
      reference: cmd.reference, options: cmd.options, client, cache: c, requireSignature: oci.requireSignature, pullPolicy: opts.refresh ? 'Always' : oci.pullPolicy,
      ...(settings.publicKeys ? { keys: settings.publicKeys as KeyRing } : {}), ...(deps.logger ? { logger: deps.logger } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (oci.maxCacheSize !== undefined) {
      // Keep the cache within budget, never evicting what was just pulled.
      await c.gc({ maxBytes: oci.maxCacheSize, inUse: new Set([res.manifestDigest]) }).catch(() => undefined);
    }
    return { path: res.path, digest: res.digest, artifactDigest: res.subjectDigest, ...(res.verifiedBy ? { verifiedBy: res.verifiedBy } : {}), ...(res.runtime ? { runtime: res.runtime } : {}) };
  };
}
