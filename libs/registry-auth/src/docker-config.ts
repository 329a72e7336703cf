// Reads `auths` from a docker config.json: `auth` (base64 user:password), `username`/`password`, `identitytoken`.
// credsStore / credHelpers would mean running external programs and are not supported (ignored).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryAuthError } from './error.js';
import { hostKey } from './host-key.js';
import type { RegistryCredential } from './types.js';

function invalid(path: string, why: string, cause?: unknown): RegistryAuthError {
  return new RegistryAuthError({ code: 'REGISTRY_AUTH_DOCKER_CONFIG_INVALID', message: `docker config ${path}: ${why}`, details: { path }, ...(cause ? { cause } : {}) });
}

/**
 * Loads credentials keyed by host key (see hostKey) from a docker config file, or from `config.json` inside a
 * directory (a DOCKER_CONFIG dir). A missing file yields no credentials. Throws REGISTRY_AUTH_DOCKER_CONFIG_INVALID.
 */
export async function readDockerConfig(path: string): Promise<Record<string, RegistryCredential>> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'config.json');
  } catch {
    return {};
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalid(file, 'cannot be read', e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message may quote file content (secrets), so it is not passed on as the cause.
    throw invalid(file, 'is not valid JSON');
  }
  if (typeof json !== 'object' || json === null) throw invalid(file, 'is not a JSON object');
  const auths = (json as { auths?: unknown }).auths;
  if (auths === undefined) return {};
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw invalid(file, '`auths` is not an object');
  const out: Record<string, RegistryCredential> = {};
  for (const [server, raw] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) throw invalid(file, `auths entry "${server}" is not an object`);
    const e = raw as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown };
    const key = hostKey(server);
    let username = typeof e.username === 'string' && e.username ? e.username : undefined;
    let password = typeof e.password === 'string' && e.password ? e.password : undefined;
    if (typeof e.auth === 'string' && e.auth) {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i <= 0) throw invalid(file, `auths entry "${server}" has an \`auth\` value that is not base64 of user:password`);
      username = decoded.slice(0, i);
      password = decoded.slice(i + 1);
    }
    if (typeof e.identitytoken === 'string' && e.identitytoken) {
      out[key] = { kind: 'identity-token', identityToken: e.identitytoken, ...(username ? { username } : {}) };
    } else if (username && password) {
      out[key] = { kind: 'basic', username, password };
    }
  }
  return out;
}
