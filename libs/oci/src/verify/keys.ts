import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OciError } from '../error.js';

/** Named public keys that may verify plugin signatures. */
export interface KeyRing {
  readonly keys: ReadonlyMap<string, KeyObject>;
}

const PATH_VAR = /^OCI_PLUGINS_PUBLIC_KEY_(.+)$/;
const PEM_VAR = /^OCI_PLUGINS_PUBKEY_(.+)$/;

/** Builds a key ring from PEM strings keyed by name. @throws OciError OCI_KEY_INVALID */
export function createKeyRing(pems: Record<string, string | Buffer>): KeyRing {
  const keys = new Map<string, KeyObject>();
  const bad: string[] = [];
  for (const [name, pem] of Object.entries(pems)) {
    try {
      keys.set(name.toLowerCase(), createPublicKey(pem));
    } catch {
      bad.push(name);
    }
  }
  if (bad.length) throw new OciError({ code: 'OCI_KEY_INVALID', message: `not a PEM public key: ${bad.join(', ')}`, details: { keys: bad } });
  return { keys };
}

/**
 * Maps `OCI_PLUGINS_PUBLIC_KEY_<N>` (path of a PEM file) and `OCI_PLUGINS_PUBKEY_<N|NAME>` (PEM text) from the env
 * record passed in to a key ring; names are lower-cased (`pubkey=release` selects OCI_PLUGINS_PUBKEY_RELEASE).
 * Every bad entry is reported at once. @throws OciError OCI_KEY_INVALID
 */
export function publicKeysFromEnv(env: Readonly<Record<string, string | undefined>>, readFile: (p: string) => string | Buffer = (p) => readFileSync(p)): KeyRing {
  const pems: Record<string, string | Buffer> = {};
  const issues: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === '') continue;
    const byPath = PATH_VAR.exec(k);
    const byPem = PEM_VAR.exec(k);
    const name = (byPath?.[1] ?? byPem?.[1])?.toLowerCase();
    if (!name) continue;
    if (name in pems) { issues.push(`${k}: key name "${name}" is defined twice`); continue; }
    if (byPath) {
      try { pems[name] = readFile(v); } catch (e) { issues.push(`${k}: cannot read ${v}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    } else {
      pems[name] = v.includes('\\n') && !v.includes('\n') ? v.replace(/\\n/g, '\n') : v;
    }
  }
  let ring: KeyRing = { keys: new Map() };
  try {
    ring = createKeyRing(pems);
  } catch (e) {
    issues.push(...((e as OciError).details?.keys as string[]).map((n) => `key "${n}" is not a PEM public key`));
  }
  if (issues.length) throw new OciError({ code: 'OCI_KEY_INVALID', message: `invalid plugin signing keys: ${issues.join('; ')}`, details: { issues } });
  return ring;
}

/** The keys a `pubkey=` selector allows (all keys when none). @throws OciError OCI_KEY_NOT_FOUND */
export function selectKeys(ring: KeyRing, selector?: string): Array<[string, KeyObject]> {
  if (!selector) return [...ring.keys];
  const key = ring.keys.get(selector.toLowerCase());
  if (!key) throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: `no public key named "${selector}" is configured (set OCI_PLUGINS_PUBKEY_${selector.toUpperCase()} or OCI_PLUGINS_PUBLIC_KEY_${selector.toUpperCase()})`, details: { pubkey: selector } });
  return [[selector.toLowerCase(), key]];
}
