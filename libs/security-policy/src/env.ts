import { PolicyError } from './error.js';
import { compileEntry } from './allowlist.js';
import type { PolicyOptions } from './options.js';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Maps the environment record passed in to PolicyOptions:
 * `ALLOW_INTERNAL_NETWORK_ACCESS` (bool, default false), `PLUGIN_BLOCK_INTERNAL_URLS` (bool, default true),
 * `PLUGIN_COMMAND_ALLOWLIST` (comma list), `OCI_PLUGINS_ALLOWED_REGISTRIES` (comma list).
 * Every malformed value is reported at once. @throws PolicyError POLICY_INVALID_CONFIG
 */
export function policyOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): PolicyOptions {
  const issues: Array<{ variable: string; message: string }> = [];
  const bool = (name: string, dflt: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return dflt;
    if (TRUE.has(raw)) return true;
    if (FALSE.has(raw)) return false;
    issues.push({ variable: name, message: `"${env[name]}" is not a boolean (true/false/1/0/yes/no)` });
    return dflt;
  };
  const allowInternalNetworkAccess = bool('ALLOW_INTERNAL_NETWORK_ACCESS', false);
  const blockInternalUrls = bool('PLUGIN_BLOCK_INTERNAL_URLS', true);
  const allowlist = list(env.PLUGIN_COMMAND_ALLOWLIST);
  for (const e of allowlist) {
    const c = compileEntry(e);
    if (typeof c === 'string') issues.push({ variable: 'PLUGIN_COMMAND_ALLOWLIST', message: c });
  }
  const allowedRegistries = list(env.OCI_PLUGINS_ALLOWED_REGISTRIES).map((s) => s.toLowerCase());
  for (const r of allowedRegistries) {
    if (!/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(r)) issues.push({ variable: 'OCI_PLUGINS_ALLOWED_REGISTRIES', message: `"${r}" is not a registry host, host:port or *.domain` });
  }
  if (issues.length) {
    throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: `invalid security policy settings: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`, details: { issues } });
  }
  return { allowInternalNetworkAccess, blockInternalUrls, allowlist, allowedRegistries };
}
