// Random and mutated inputs for the tar reader and the manifest/index parsers (fast-check, bounded runs):
// no crash, no hang, only coded errors.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OciError } from '../error.js';
import { parseImageIndex, parseImageManifest } from '../client/schemas.js';
import { selectPlatform } from '../client/platform.js';
import { tarOf } from '../pull/__fixtures__/tar.js';
import { extractSingleExecutable } from './tar.js';

const dir = mkdtempSync(join(tmpdir(), 'oci-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Resolves, or rejects with an OciError; anything else (or taking more than 2 s) fails the property. */
async function onlyCoded(run: () => Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error('hang')), 2000); });
  try {
    await Promise.race([run(), hang]);
  } catch (e) {
    if (!(e instanceof OciError)) throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function extract(bytes: Uint8Array, gzip: boolean): Promise<void> {
  const src = join(dir, `in-${++n}`);
  writeFileSync(src, bytes);
  await onlyCoded(() => extractSingleExecutable(src, join(dir, `out-${n}`), { gzip, maxBytes: 64 * 1024 }));
  rmSync(src, { force: true });
  rmSync(join(dir, `out-${n}`), { force: true });
}

const VALID_TAR = tarOf([{ name: 'bin/', type: '5' }, { name: 'bin/plugin', body: Buffer.from('#!/bin/sh\necho hi\n') }]);
const mutations = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 16 });
const mutate = (base: Buffer, ms: Array<{ at: number; byte: number }>): Buffer => {
  const b = Buffer.from(base);
  for (const m of ms) b[m.at % b.length] = m.byte;
  return b;
};

describe('tar reader fuzz', () => {
  it('random bytes, plain and gzip', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, gzip) => extract(bytes, gzip)), { numRuns: 150 });
  });
  it('mutated valid archives, plain and gzipped', async () => {
    await fc.assert(fc.asyncProperty(mutations, fc.boolean(), async (ms, gz) => {
      const tar = mutate(VALID_TAR, ms);
      await extract(gz ? gzipSync(tar) : tar, gz);
    }), { numRuns: 150 });
  });
  it('mutated gzip streams', async () => {
    const gz = gzipSync(VALID_TAR);
    await fc.assert(fc.asyncProperty(mutations, (ms) => extract(mutate(gz, ms), true)), { numRuns: 100 });
  });
});

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MANIFEST = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: DIGEST, size: 2 }, layers: [{ mediaType: 'application/octet-stream', digest: DIGEST, size: 10 }] };
const INDEX = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: MANIFEST.mediaType, digest: DIGEST, size: 100, platform: { os: 'linux', architecture: 'amd64' } }] };

function parsesOrCoded(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    expect((e as OciError).code).toBe('OCI_MANIFEST_INVALID');
  }
}

/** A JSON text with random single-character edits, parsed when it still is JSON. */
const mutatedJson = (base: unknown) => fc.array(fc.record({ at: fc.nat(), ch: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', '-', 'a', ' ', 'null', 'true', '1e999') }), { minLength: 1, maxLength: 6 })
  .map((ms) => {
    let text = JSON.stringify(base);
    for (const m of ms) { const i = m.at % text.length; text = text.slice(0, i) + m.ch + text.slice(i + 1); }
    try { return JSON.parse(text) as unknown; } catch { return text; }
  });

describe('manifest and index parser fuzz', () => {
  it('any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      parsesOrCoded(() => parseImageManifest(v, 'fuzz'));
      parsesOrCoded(() => parseImageIndex(v, 'fuzz'));
    }), { numRuns: 500 });
  });
  it('mutated manifests and indexes (and platform selection over what parses)', () => {
    fc.assert(fc.property(mutatedJson(MANIFEST), mutatedJson(INDEX), (m, i) => {
      parsesOrCoded(() => parseImageManifest(m, 'fuzz'));
      parsesOrCoded(() => {
        const index = parseImageIndex(i, 'fuzz');
        try { selectPlatform(index, { os: 'linux', architecture: 'amd64' }); } catch (e) { expect((e as OciError).code).toBe('OCI_PLATFORM_NOT_FOUND'); }
      });
    }), { numRuns: 500 });
  });
  it('records with the right keys and wrong values', () => {
    const anyVal = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(fc.property(fc.record({ schemaVersion: anyVal, mediaType: anyVal, config: fc.record({ mediaType: anyVal, digest: anyVal, size: anyVal }), layers: fc.array(fc.record({ mediaType: anyVal, digest: anyVal, size: anyVal }), { maxLength: 3 }) }), (m) => {
      parsesOrCoded(() => parseImageManifest(m, 'fuzz'));
    }), { numRuns: 300 });
  });
});
