import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertSafeTarPath } from '../artifact/tar.js';
import { parseSize } from '../cache/plugin-cache.js';
import { publicKeysFromEnv, selectKeys } from './keys.js';

const pem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('publicKeysFromEnv', () => {
  it('maps PEM values and key file paths from the record passed in, ignoring other variables', () => {
    const a = pem(), b = pem();
    const ring = publicKeysFromEnv(
      { OCI_PLUGINS_PUBKEY_RELEASE: a, OCI_PLUGINS_PUBLIC_KEY_1: '/keys/one.pem', HOME: '/root', OCI_PLUGINS_PUBKEY_EMPTY: '' },
      (p) => { expect(p).toBe('/keys/one.pem'); return b; },
    );
    expect([...ring.keys.keys()].sort()).toEqual(['1', 'release']);
    expect(selectKeys(ring, 'RELEASE').map(([n]) => n)).toEqual(['release']);
    expect(selectKeys(ring).length).toBe(2);
  });

  it('accepts a PEM value with escaped newlines', () => {
    const ring = publicKeysFromEnv({ OCI_PLUGINS_PUBKEY_X: pem().replace(/\n/g, '\\n') });
    expect(ring.keys.size).toBe(1);
  });

  it('reports every bad key at once as OCI_KEY_INVALID without the key text', () => {
    let err: unknown;
    try {
      publicKeysFromEnv({ OCI_PLUGINS_PUBKEY_BAD: 'not-a-pem-secretish', OCI_PLUGINS_PUBLIC_KEY_2: '/missing.pem' }, () => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); });
    } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'OCI_KEY_INVALID' });
    expect(String((err as Error).message)).toContain('ENOENT');
    expect(String((err as Error).message)).toContain('"bad"');
    expect(String((err as Error).message)).not.toContain('secretish');
  });

  it("takes AI Studio's OCI_PLUGINS_PUBKEY_<NAME> holding a file path", () => {
    const a = pem();
    const ring = publicKeysFromEnv({ OCI_PLUGINS_PUBKEY_RELEASE: '/etc/keys/release.pub' }, (p) => { expect(p).toBe('/etc/keys/release.pub'); return a; });
    expect(selectKeys(ring, 'release')[0]![1].export({ type: 'spki', format: 'pem' })).toBe(a);
  });

  it('selects pubkey=env:VAR (PEM text or a path in the variable) and pubkey=/path/key.pub per command', () => {
    const a = pem(), b = pem(), c = pem();
    const files: Record<string, string> = { '/k/b.pub': b, '/k/c.pub': c };
    const read = (p: string): string => { const f = files[p]; if (!f) throw Object.assign(new Error('x'), { code: 'ENOENT' }); return f; };
    const ring = publicKeysFromEnv({ MY_KEY: a, KEY_FILE: '/k/c.pub', SECRET: 'not a key' });
    const exportOf = (sel: string): string => String(selectKeys(ring, sel, read)[0]![1].export({ type: 'spki', format: 'pem' }));
    expect(selectKeys(ring, 'env:MY_KEY', read)[0]![0]).toBe('env:MY_KEY');
    expect(exportOf('env:MY_KEY')).toBe(a);
    expect(exportOf('env:KEY_FILE')).toBe(c);
    expect(exportOf('/k/b.pub')).toBe(b);
    expect(() => selectKeys(ring, 'env:UNSET', read)).toThrow(expect.objectContaining({ code: 'OCI_KEY_NOT_FOUND' }));
    expect(() => selectKeys(ring, '/k/missing.pub', read)).toThrow(expect.objectContaining({ code: 'OCI_KEY_NOT_FOUND' }));
    let err: unknown;
    try { selectKeys(ring, 'env:SECRET', read); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'OCI_KEY_INVALID' });
    expect(String((err as Error).message)).not.toContain('not a key');
  });

  it('OCI_PLUGINS_DEFAULT_PUBKEYS chooses the keys used without pubkey= (names, env:VAR or paths)', () => {
    const a = pem(), b = pem(), c = pem();
    const ring = publicKeysFromEnv({ OCI_PLUGINS_PUBKEY_A: a, OCI_PLUGINS_PUBKEY_B: b, C_KEY: c, OCI_PLUGINS_DEFAULT_PUBKEYS: 'A, env:C_KEY' });
    expect(selectKeys(ring).map(([n]) => n)).toEqual(['a', 'env:C_KEY']);
    expect(() => publicKeysFromEnv({ OCI_PLUGINS_DEFAULT_PUBKEYS: 'nobody' })).toThrow(expect.objectContaining({ code: 'OCI_KEY_INVALID' }));
  });

  it('throws OCI_KEY_NOT_FOUND for an unknown pubkey= name', () => {
    const ring = publicKeysFromEnv({ OCI_PLUGINS_PUBKEY_A: pem() });
    expect(() => selectKeys(ring, 'b')).toThrow(expect.objectContaining({ code: 'OCI_KEY_NOT_FOUND' }));
  });
});

describe('parseSize', () => {
  it.each([['1048576', 1048576], ['500MiB', 500 * 1024 ** 2], ['2GB', 2e9], ['1.5 KiB', 1536], ['0', 0]])('parses %s', (t, n) => {
    expect(parseSize(t)).toBe(n);
  });
  it.each(['', 'lots', '-1MiB', '5 parsecs'])('refuses %j with OCI_INVALID_OPTIONS', (t) => {
    expect(() => parseSize(t)).toThrow(expect.objectContaining({ code: 'OCI_INVALID_OPTIONS' }));
  });
});

describe('assertSafeTarPath', () => {
  it.each(['plugin', './bin/plugin', 'dir/plugin'])('accepts %s', (p) => {
    expect(() => assertSafeTarPath(p)).not.toThrow();
  });
  it.each(['../evil', '/etc/passwd', 'a/../../evil', 'a/b/../c', 'C:\\x', 'a\\..\\b', '', 'x\0y'])('refuses %j with OCI_TAR_UNSAFE_PATH', (p) => {
    expect(() => assertSafeTarPath(p)).toThrow(expect.objectContaining({ code: 'OCI_TAR_UNSAFE_PATH' }));
  });
});
