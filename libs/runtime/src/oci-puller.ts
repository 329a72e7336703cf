import type { Logger } from '@plugway/core';
import type { OciCommand } from '@plugway/command';
import { createRegistryAuth, type RegistryAuthConfig } from '@plugway/registry-auth';
import { createGuardedFetch, PluginCache, pullPlugin, RegistryClient, type DialDecision, type DialGuard, type KeyRing } from '@plugway/oci';
import { evaluateRegistryConnection, type Policy, type Resolver } from '@plugway/security-policy';
import type { RuntimeSettings } from './options.js';
import type { OciPuller } from './plugin-manager.js';

export interface OciPullerDeps {
  logger?: Logger;
  dockerConfigPath?: string;
  /** The policy every connection of the OCI path is checked against (registry, redirects, token realms). */
  policy: Policy;
  resolve?: Resolver;
}

const GUARD_TTL_MS = 30_000;

/**
 * The security policy as the OCI path's dial guard: each host is checked when it is about to be connected to (a
 * registry's redirect target and token realm included) and the connection goes to the address checked. Allowed
 * answers are kept for 30 s, so one pull resolves each host once.
 */
function policyGuard(policy: Policy, resolve: Resolver | undefined, logger: Logger | undefined): DialGuard {
  const allowed = new Map<string, { at: number; address: string }>();
  return async (t, { signal }) => {
    const hostPort = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
    const hit = allowed.get(hostPort);
    if (hit && Date.now() - hit.at < GUARD_TTL_MS) return { allowed: true, address: hit.address };
    const d = await evaluateRegistryConnection(hostPort, policy, { ...(resolve ? { resolve } : {}), ...(signal ? { signal } : {}) });
    let answer: DialDecision;
    if (!d.allowed) {
      answer = { allowed: false, code: d.violations[0]?.code ?? 'POLICY_DENIED', message: d.violations.map((v) => v.message).join('; ') };
      logger?.warn('OCI connection refused by the security policy', { host: hostPort, code: answer.code });
    } else if (d.target.kind === 'oci' && d.target.address !== undefined) {
      answer = { allowed: true, address: d.target.address };
      allowed.set(hostPort, { at: Date.now(), address: d.target.address });
    } else {
      answer = { allowed: false, code: 'POLICY_DNS_FAILED', message: `${hostPort} has no checked address` };
    }
    return answer;
  };
}

/**
 * The OCI path of the runtime: registry auth (env credentials, docker config, token exchange) → registry client →
 * content-addressed cache → signature check → verified executable. One cache and one client per registry; every
 * connection goes through the policy guard.
 */
export function createOciPuller(settings: RuntimeSettings, deps: OciPullerDeps): OciPuller {
  const oci = settings.oci;
  const fetch = createGuardedFetch(policyGuard(deps.policy, deps.resolve, deps.logger));
  const auth = createRegistryAuth({
    fetch,
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
      client = new RegistryClient({ registry: cmd.reference.registry, auth, fetch, ...(cmd.options.auth ? { credentialName: cmd.options.auth } : {}), ...(insecure ? { scheme: 'http' as const } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
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
