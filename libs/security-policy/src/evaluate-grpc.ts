import type { GrpcCommand } from '@plugway/command';
import { addressGrants, exactGrant, nameGrants } from './allowlist.js';
import { addressesOf, classFinding, dedupe, deny, internalAllowed, METADATA_NAMES, metadataNameFinding, normalizeHost } from './findings.js';
import { classifyIp, formatIp } from './ip.js';
import type { Decision, Finding, Policy, Resolver } from './policy.js';

/** grpc://: every address the host stands for is checked; the allowed target carries the address to dial. */
export async function evaluateGrpc(cmd: GrpcCommand, p: Policy, resolve: Resolver, signal: AbortSignal | undefined): Promise<Decision> {
  const host = normalizeHost(String(cmd.host));
  const warnings: Finding[] = [];
  const violations: Finding[] = [];
  if (!Number.isInteger(cmd.port) || cmd.port < 1 || cmd.port > 65535) {
    return deny({ code: 'POLICY_INVALID_ADDRESS', message: `port ${String(cmd.port)} is not 1-65535`, details: { host, port: cmd.port } }, warnings);
  }
  const grpcEntries = p.entries.filter((e) => e.kind === 'cidr' || e.kind === 'host');
  const restricted = grpcEntries.length > 0;
  const byName = nameGrants(grpcEntries, host, cmd.port);
  // A metadata name is denied by name, before (and whatever) DNS says.
  if (METADATA_NAMES.has(host) && !exactGrant(byName)) {
    return deny(metadataNameFinding(host), warnings);
  }
  const found = await addressesOf(host, resolve, signal);
  if (!found.ok) return deny(found.finding, warnings);
  const { addrs, local } = found;
  const addresses = addrs.map(formatIp);
  for (const [i, ip] of addrs.entries()) {
    const address = addresses[i]!;
    const grants = [...byName, ...addressGrants(grpcEntries, ip, cmd.port)];
    if (restricted && grants.length === 0) {
      if (p.options.allowlistMode === 'enforce') {
        violations.push({ code: 'POLICY_NOT_ALLOWLISTED', message: `grpc://${host}:${cmd.port} (${address}) matches no grpc:// entry of PLUGIN_COMMAND_ALLOWLIST`, details: { host, port: cmd.port, address } });
      } else {
        warnings.push({ code: 'POLICY_WARN_NOT_ALLOWLISTED', message: `grpc://${host}:${cmd.port} matches no grpc:// entry of PLUGIN_COMMAND_ALLOWLIST`, details: { host, port: cmd.port } });
      }
    }
    const cls = classifyIp(ip);
    if (cls === 'public') continue;
    if (cls === 'metadata') {
      if (exactGrant(grants)) warnings.push({ code: 'POLICY_WARN_METADATA_ALLOWED', message: `${address} (metadata endpoint) is allowlisted explicitly`, details: { host, address } });
      else violations.push(classFinding(cls, host, address, local));
    } else if (grants.length) {
      warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWLISTED', message: `${host} (${address}, ${cls}) is internal, allowed by ${grants[0]!.text}`, details: { host, address, class: cls, entry: grants[0]!.text } });
    } else if (internalAllowed(p)) {
      warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWED', message: `${host} (${address}, ${cls}) is internal, allowed because internal network access is enabled`, details: { host, address, class: cls } });
    } else {
      violations.push(classFinding(cls, host, address, local));
    }
  }
  if (violations.length) return { allowed: false, violations: dedupe(violations), warnings: dedupe(warnings) };
  return { allowed: true, warnings: dedupe(warnings), target: { kind: 'grpc', host, port: cmd.port, address: addresses[0]!, family: addrs[0]!.family, addresses } };
}
