import { redactUrl } from '@plugway/core';
import type { EdgeSettings } from './edge.js';
import type { StudioSettings } from './studio.js';

/** A loggable summary of the settings: no tokens, passwords, credentials or key material. */
export function describeSettings(s: StudioSettings | EdgeSettings): Record<string, unknown> {
  const common = {
    kind: s.kind, logLevel: s.logLevel, http: s.http,
    oci: { enabled: s.runtime.oci.enabled, cacheDir: s.runtime.oci.cacheDir, requireSignature: s.runtime.oci.requireSignature, maxCacheSize: s.runtime.oci.maxCacheSize },
    policy: { allowInternalNetworkAccess: s.policy.allowInternalNetworkAccess, blockInternalUrls: s.policy.blockInternalUrls, allowlist: s.policy.allowlist, allowedRegistries: s.policy.allowedRegistries },
    registries: Object.keys(s.registryAuth.registries), namedCredentials: Object.keys(s.registryAuth.named),
    publicKeys: [...s.publicKeys.keys.keys()],
  };
  if (s.kind === 'studio') {
    return { ...common, dataDir: s.dataDir, database: s.database.kind === 'sqlite' ? s.database : { kind: 'postgres', url: redactUrl(s.database.url) }, apiToken: s.apiToken.source === 'env' ? 'from STUDIO_API_TOKEN' : `file ${s.apiToken.path}`, demoPlugin: s.demoPlugin, production: s.production };
  }
  return { ...common, workers: s.workers, configFile: s.configFile, upstreamUrl: s.upstreamUrl && redactUrl(s.upstreamUrl), studio: s.studio ? { url: redactUrl(s.studio.url), syncIntervalMs: s.studio.syncIntervalMs, edgeId: s.studio.edgeId } : undefined, dataDir: s.dataDir };
}
