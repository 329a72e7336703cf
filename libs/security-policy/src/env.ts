import { PolicyError } from './error.js';
import { compileEntry, compileRegistryPattern } from './allowlist.js';
import type { PolicyOptions } from './options.js';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Maps an environment record (passed in; this lib never reads `process.env`) to PolicyOptions:
 * `ALLOW_INTERNAL_NETWORK_ACCESS` (boolean, default false), `PLUGIN_BLOCK_INTERNAL_URLS` (boolean, default true),
 * `PLUGIN_COMMAND_ALLOWLIST` and `OCI_PLUGINS_ALLOWED_REGISTRIES` (comma lists). Booleans are true/false/1/0/yes/no/on/off
 * (any case); empty or unset means the default.
 * @throws PolicyError POLICY_INVALID_CONFIG listing every bad value in `details.issues` ({ variable, message })
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
  const allowlist = list(env['PLUGIN_COMMAND_ALLOWLIST']);
  for (const e of allowlist) {
    const c = compileEntry(e);
    if (typeof c === 'string') issues.push({ variable: 'PLUGIN_COMMAND_ALLOWLIST', message: c });
  }
  const allowedRegistries = list(env['OCI_PLUGINS_ALLOWED_REGISTRIES']).map((s) => s.toLowerCase());
  for (const r of allowedRegistries) {
    const c = compileRegistryPattern(r);
    if (typeof c === 'string') issues.push({ variable: 'OCI_PLUGINS_ALLOWED_REGISTRIES', message: c });
  }
  if (issues.length) {
    throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: `invalid security policy settings: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`, details: { issues } });
  }
  return { allowInternalNetworkAccess, blockInternalUrls, allowlist, allowedRegistries };
}
