import type { Logger } from '@plugway/core';
import type { OciCommand } from '@plugway/command';
import { createRegistryAuth, type RegistryAuthConfig } from '@plugway/registry-auth';
import { createGuardedFetch, PluginCache, pullPlugin, RegistryClient, type DialDecision, type DialGuard, type KeyRing, type PluginRuntime } from '@plugway/oci';
import { evaluateRegistryConnection, type Policy, type Resolver } from '@plugway/security-policy';
import type { RuntimeSettings } from './options.js';

/** How a tag was resolved: the digest it stood for, when that was asked of the registry, and how long that answer is kept. */
export interface TagResolution { digest: string; resolvedAt: string; ttlMs: number }

/**
 * Pulls and verifies an oci:// plugin into the cache; returns the verified file, its sha256 (`digest`), the digest the
 * reference resolved to (`artifactDigest`, what `plugway push` printed), the runtime its config asks for and, by tag,
 * when the tag was resolved. `refresh` asks the registry what a tag means now (one manifest HEAD for a tag the cache has seen, one GET for a first-seen tag) whatever the pull policy.
 */
export type OciPuller = (cmd: OciCommand, opts: { signal?: AbortSignal; refresh?: boolean }) => Promise<{ path: string; digest: string; artifactDigest?: string; verifiedBy?: string; runtime?: PluginRuntime; resolved?: TagResolution }>;

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
    // Spelled as a registry is in a command (`ghcr.io`, `127.0.0.1:5000`): the scheme's default port is left out, so
    // allowlist entries match the same way at connect time as at check time.
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    const hostPort = t.port === (t.protocol === 'https:' ? 443 : 80) ? host : `${host}:${t.port}`;
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
  const openCache = (): Promise<PluginCache> => (cache ??= PluginCache.open({ root: oci.cacheDir!, ...(deps.logger ? { logger: deps.logger } : {}) }));
  const clients = new Map<string, RegistryClient>();
  // What this process pulled may be running (or restarted from its path): GC never removes it.
  const pulled = new Set<string>();
  const gc = async (): Promise<void> => {
    if (oci.maxCacheSize === undefined && oci.keepVersions === undefined) return;
    try {
      const c = await openCache();
      await c.gc({ ...(oci.maxCacheSize !== undefined ? { maxBytes: oci.maxCacheSize } : {}), ...(oci.keepVersions !== undefined ? { keepPerRepository: oci.keepVersions } : {}), inUse: pulled });
    } catch (e) {
      deps.logger?.warn('plugin cache gc failed', { message: (e as Error).message });
    }
  };
  if (oci.gcIntervalMs !== undefined) setInterval(() => void gc(), oci.gcIntervalMs).unref();
  return async (cmd: OciCommand, opts) => {
    const c = await openCache();
    const key = `${cmd.reference.registry}|${cmd.options.auth ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      const insecure = oci.insecureRegistries.includes(cmd.reference.registry);
      client = new RegistryClient({ registry: cmd.reference.registry, auth, fetch, timeoutMs: oci.timeoutMs, retries: oci.retries, ...(cmd.options.auth ? { credentialName: cmd.options.auth } : {}), ...(insecure ? { scheme: 'http' as const } : {}), ...(deps.logger ? { logger: deps.logger } : {}) });
      clients.set(key, client);
    }
    const res = await pullPlugin({
      reference: cmd.reference, options: cmd.options, client, cache: c, requireSignature: oci.requireSignature, pullPolicy: opts.refresh ? 'Always' : oci.pullPolicy, refTtlMs: oci.tagTtlMs,
      ...(settings.publicKeys ? { keys: settings.publicKeys as KeyRing } : {}), ...(deps.logger ? { logger: deps.logger } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
    });
    pulled.add(res.manifestDigest);
    await gc();
    return {
      path: res.path, digest: res.digest, artifactDigest: res.subjectDigest, ...(res.verifiedBy ? { verifiedBy: res.verifiedBy } : {}), ...(res.runtime ? { runtime: res.runtime } : {}),
      ...(res.resolvedAt !== undefined ? { resolved: { digest: res.subjectDigest, resolvedAt: res.resolvedAt, ttlMs: oci.tagTtlMs } } : {}),
    };
  };
}
