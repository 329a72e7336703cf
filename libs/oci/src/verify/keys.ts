import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OciError } from '../error.js';

/** Named public keys that may verify plugin signatures. */
export interface KeyRing {
  readonly keys: ReadonlyMap<string, KeyObject>;
  /** The keys tried when a command has no `pubkey=` (OCI_PLUGINS_DEFAULT_PUBKEYS); all keys when absent. */
  readonly defaults?: readonly string[];
  /** Reads the variable a `pubkey=env:VAR` names (from the environment record the ring was built from). */
  readonly env?: (name: string) => string | undefined;
}

type ReadKey = (path: string) => string | Buffer;
const readKeyFile: ReadKey = (p) => readFileSync(p);
const ENV_SELECTOR = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
/** PEM text, possibly with literal `\n`s (a one-line env value). */
const pemText = (v: string): string => (v.includes('\\n') && !v.includes('\n') ? v.replace(/\\n/g, '\n') : v);
/** AI Studio lets a key variable hold either the PEM or the path of a PEM file. */
const isPath = (v: string): boolean => v.startsWith('/') && !v.includes('-----BEGIN');

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
export function publicKeysFromEnv(env: Readonly<Record<string, string | undefined>>, readFile: ReadKey = readKeyFile): KeyRing {
  const pems: Record<string, string | Buffer> = {};
  const issues: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === '') continue;
    const byPath = PATH_VAR.exec(k);
    const byPem = PEM_VAR.exec(k);
    const name = (byPath?.[1] ?? byPem?.[1])?.toLowerCase();
    if (!name) continue;
    if (name in pems) { issues.push(`${k}: key name "${name}" is defined twice`); continue; }
    if (byPath || isPath(v)) {
      try { pems[name] = readFile(v); } catch (e) { issues.push(`${k}: cannot read ${v}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    } else {
      pems[name] = pemText(v);
    }
  }
  let keys = new Map<string, KeyObject>();
  try {
    keys = new Map(createKeyRing(pems).keys);
  } catch (e) {
    issues.push(...((e as OciError).details?.keys as string[]).map((n) => `key "${n}" is not a PEM public key`));
  }
  // OCI_PLUGINS_DEFAULT_PUBKEYS: the keys used without pubkey=, each a key name, env:VAR or a PEM file path.
  const defaults = (env['OCI_PLUGINS_DEFAULT_PUBKEYS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const lookup = (name: string): string | undefined => env[name];
  for (const d of defaults) {
    if (keys.has(d.toLowerCase())) continue;
    try {
      keys.set(d, loadSelected({ keys, env: lookup }, d, readFile));
    } catch (e) {
      issues.push(`OCI_PLUGINS_DEFAULT_PUBKEYS: ${(e as Error).message}`);
    }
  }
  if (issues.length) throw new OciError({ code: 'OCI_KEY_INVALID', message: `invalid plugin signing keys: ${issues.join('; ')}`, details: { issues } });
  return { keys, env: lookup, ...(defaults.length ? { defaults: defaults.map((d) => (keys.has(d) ? d : d.toLowerCase())) } : {}) };
}

/** A key named by `env:VAR` or an absolute path. @throws OciError OCI_KEY_NOT_FOUND, OCI_KEY_INVALID */
function loadSelected(ring: KeyRing, selector: string, readFile: ReadKey): KeyObject {
  const envName = ENV_SELECTOR.exec(selector)?.[1];
  let pem: string | Buffer | undefined;
  if (envName !== undefined) {
    const v = ring.env?.(envName);
    if (v === undefined || v === '') throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: `pubkey=env:${envName}: the variable is not set`, details: { pubkey: selector } });
    pem = isPath(v) ? undefined : pemText(v);
    if (pem === undefined) selector = v;
  }
  if (pem === undefined) {
    if (!selector.startsWith('/')) throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: `no public key named "${selector}" is configured`, details: { pubkey: selector } });
    try {
      pem = readFile(selector);
    } catch (e) {
      throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: `cannot read public key file ${selector}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, details: { pubkey: selector }, cause: e });
    }
  }
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new OciError({ code: 'OCI_KEY_INVALID', message: `${envName !== undefined ? `env:${envName}` : selector} is not a PEM public key`, details: { pubkey: envName !== undefined ? `env:${envName}` : selector }, cause: e });
  }
}

/**
 * The keys a `pubkey=` selector allows: a configured name, `env:VAR` (a variable holding PEM text or a path) or an
 * absolute path of a PEM file; without a selector the default keys, else every key.
 * @throws OciError OCI_KEY_NOT_FOUND, OCI_KEY_INVALID
 */
export function selectKeys(ring: KeyRing, selector?: string, readFile: ReadKey = readKeyFile): Array<[string, KeyObject]> {
  if (!selector) return ring.defaults ? ring.defaults.flatMap((n) => { const k = ring.keys.get(n); return k ? [[n, k] as [string, KeyObject]] : []; }) : [...ring.keys];
  if (ENV_SELECTOR.test(selector) || selector.startsWith('/')) return [[selector, loadSelected(ring, selector, readFile)]];
  const key = ring.keys.get(selector.toLowerCase());
  if (!key) throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: `no public key named "${selector}" is configured (set OCI_PLUGINS_PUBKEY_${selector.toUpperCase()} or OCI_PLUGINS_PUBLIC_KEY_${selector.toUpperCase()})`, details: { pubkey: selector } });
  return [[selector.toLowerCase(), key]];
}
