import type { OciCommand } from '@plugway/command';
import { registryMatches, type RegistryPattern } from './allowlist.js';
import { addressesOf, classFinding, dedupe, deny, internalAllowed, METADATA_NAMES, metadataNameFinding, normalizeHost } from './findings.js';
import { classifyIp, formatIp } from './ip.js';
import type { Decision, Finding, Policy, Resolver } from './policy.js';

function splitRegistry(registry: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(registry);
  return { host: normalizeHost(m?.[1] ?? registry), port: m?.[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * oci://: the registry must be allowed (OCI_PLUGINS_ALLOWED_REGISTRIES or an oci:// allowlist entry), and its host
 * follows the internal-network rules, with the registry allowlists counting as an explicit grant. Nothing is pulled.
 * A registry name that does not resolve here is a warning, not a denial (a dry run may happen elsewhere); the OCI
 * client checks every connection again with evaluateConnection and dials the address checked then.
 */
export async function evaluateOci(cmd: OciCommand, p: Policy, resolve: Resolver, signal: AbortSignal | undefined): Promise<Decision> {
  const registry = String(cmd.reference.registry).toLowerCase();
  const { host, port } = splitRegistry(registry);
  const listed = p.registries.filter((r) => registryMatches(r, host, port));
  const granted = p.entries.some((e) => e.kind === 'oci' && e.registry.test(registry) && e.repository.test(String(cmd.reference.repository)));
  if (p.registries.length && !listed.length && !granted) {
    return deny({ code: 'POLICY_REGISTRY_NOT_ALLOWED', message: `registry ${registry} is not in OCI_PLUGINS_ALLOWED_REGISTRIES (${p.registries.map((r) => r.text).join(', ')})`, details: { registry } });
  }
  return checkAddresses(registry, host, listed, granted, p, resolve, signal, false);
}

/**
 * A host the OCI path connects to (the registry, a redirect target, a token realm, a mirror), checked just before the
 * connection is made: the address rules of oci:// apply, a registry allowlist entry naming the host grants internal
 * access, and the host must resolve, because the caller dials exactly `target.address`. Unlike evaluateOci the
 * registry allowlist is not required (blob storage and token services are rarely listed).
 * @throws PolicyError POLICY_ABORTED when `signal` aborts
 */
export async function evaluateConnection(hostPort: string, p: Policy, resolve: Resolver, signal: AbortSignal | undefined): Promise<Decision> {
  const registry = hostPort.toLowerCase();
  const { host, port } = splitRegistry(registry);
  const listed = p.registries.filter((r) => registryMatches(r, host, port));
  const granted = p.entries.some((e) => e.kind === 'oci' && e.registry.test(registry));
  return checkAddresses(registry, host, listed, granted, p, resolve, signal, true);
}

async function checkAddresses(registry: string, host: string, listed: RegistryPattern[], granted: boolean, p: Policy, resolve: Resolver, signal: AbortSignal | undefined, mustResolve: boolean): Promise<Decision> {
  const warnings: Finding[] = [];
  const found = await addressesOf(host, resolve, signal);
  if (!found.ok) {
    if (found.finding.code !== 'POLICY_DNS_FAILED' || mustResolve) return deny(found.finding, warnings);
    warnings.push({ code: 'POLICY_WARN_REGISTRY_UNRESOLVED', message: `registry ${registry} does not resolve here (${found.finding.message}); its addresses were not checked`, details: { registry } });
    if (METADATA_NAMES.has(host)) return deny(metadataNameFinding(host), warnings);
    return { allowed: true, warnings, target: { kind: 'oci', registry } };
  }
  // Exact (non-wildcard) registry grants may reach a metadata address; ranges and wildcards never do.
  const exact = listed.some((r) => !r.wildcard);
  const violations: Finding[] = [];
  if (METADATA_NAMES.has(host) && !exact) violations.push(metadataNameFinding(host));
  for (const ip of found.addrs) {
    const cls = classifyIp(ip);
    if (cls === 'public') continue;
    const address = formatIp(ip);
    if (cls === 'metadata') {
      if (exact) warnings.push({ code: 'POLICY_WARN_METADATA_ALLOWED', message: `registry ${registry} (${address}, metadata endpoint) is allowed exactly by OCI_PLUGINS_ALLOWED_REGISTRIES`, details: { registry, address } });
      else violations.push(classFinding(cls, registry, address, false));
    } else if (listed.length || granted) warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWLISTED', message: `registry ${registry} (${address}) is internal (${cls}), allowed by the registry allowlist`, details: { registry, address, class: cls } });
    else if (internalAllowed(p)) warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWED', message: `registry ${registry} (${address}) is internal (${cls}), allowed because internal network access is enabled`, details: { registry, address, class: cls } });
    else violations.push(classFinding(cls, registry, address, found.local));
  }
  if (violations.length) return { allowed: false, violations: dedupe(violations), warnings: dedupe(warnings) };
  const addresses = found.addrs.map(formatIp);
  return { allowed: true, warnings: dedupe(warnings), target: { kind: 'oci', registry, address: addresses[0]!, addresses } };
}
