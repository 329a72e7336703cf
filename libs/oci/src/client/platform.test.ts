import { describe, expect, it } from 'vitest';
import { OciError } from '../error.js';
import { hostPlatform, parsePlatform, selectPlatform } from './platform.js';
import type { Descriptor, ImageIndex } from './types.js';

const d = (n: string, platform?: Descriptor['platform']): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${n.repeat(64)}`, size: 1, ...(platform ? { platform } : {}) });
const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    d('a', { os: 'linux', architecture: 'amd64' }),
    d('b', { os: 'linux', architecture: 'arm64' }),
    d('c', { os: 'linux', architecture: 'arm', variant: 'v7' }),
    d('e', { os: 'linux', architecture: 'arm', variant: 'v6' }),
    d('f', { os: 'darwin', architecture: 'arm64', variant: 'v8' }),
    d('0', { os: 'unknown', architecture: 'unknown' }),
  ],
};

describe('parsePlatform', () => {
  const host = { os: 'linux', architecture: 'amd64' };
  it.each([
    ['amd64', { os: 'linux', architecture: 'amd64' }],
    ['x86_64', { os: 'linux', architecture: 'amd64' }],
    ['aarch64', { os: 'linux', architecture: 'arm64' }],
    ['arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['darwin/arm64', { os: 'darwin', architecture: 'arm64' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
  ])('parses %s', (spec, want) => {
    expect(parsePlatform(spec, host)).toEqual(want);
  });
  it.each([[''], ['a/b/c/d'], ['linux/../x'], ['linux arm64']])('rejects %j with OCI_INVALID_OPTIONS', (spec) => {
    expect(() => parsePlatform(spec, host)).toThrow(expect.objectContaining({ code: 'OCI_INVALID_OPTIONS' }));
  });
});

describe('selectPlatform', () => {
  it('picks by os/architecture, treating arm64 without variant as v8', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64' }).digest).toMatch(/^sha256:a/);
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest).toMatch(/^sha256:b/);
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v6' }).digest).toMatch(/^sha256:e/);
    expect(selectPlatform(index, { os: 'darwin', architecture: 'arm64' }).digest).toMatch(/^sha256:f/);
  });
  it('defaults to the host platform', () => {
    const h = hostPlatform();
    if (h.os === 'linux' && (h.architecture === 'amd64' || h.architecture === 'arm64')) {
      expect(selectPlatform(index).platform?.architecture).toBe(h.architecture);
    }
    expect(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'loong64', 'mips64el']).toContain(h.architecture);
  });
  it('throws OCI_PLATFORM_NOT_FOUND listing what exists (not attestation entries)', () => {
    try {
      selectPlatform(index, { os: 'windows', architecture: 'amd64' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OciError);
      expect((e as OciError).code).toBe('OCI_PLATFORM_NOT_FOUND');
      expect((e as OciError).details?.['available']).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'darwin/arm64/v8']);
    }
    expect(() => selectPlatform({ schemaVersion: 2, manifests: [] }, { os: 'linux', architecture: 'amd64' })).toThrow(/available: none/);
  });
});
