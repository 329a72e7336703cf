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
