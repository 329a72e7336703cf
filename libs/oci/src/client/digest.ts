// Digest and name validation plus hashing helpers (sha256 and sha512, per the OCI image spec).
import { createHash, type Hash } from 'node:crypto';
import { OciError } from '../error.js';

const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
// distribution's repository name grammar: path components of lower-case alphanumerics with . _ __ - separators.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export type DigestAlgorithm = 'sha256' | 'sha512';

/** Throws OCI_DIGEST_INVALID unless `digest` is a well-formed sha256/sha512 digest; returns its algorithm. */
export function parseDigest(digest: string): { algorithm: DigestAlgorithm; hex: string } {
  const m = DIGEST.exec(digest);
  const algorithm = m?.[1];
  const hex = m?.[2];
  const len = algorithm === undefined ? undefined : HEX_LENGTH[algorithm];
  if (!m || algorithm === undefined || hex === undefined || len === undefined || hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new OciError({ code: 'OCI_DIGEST_INVALID', message: `invalid or unsupported digest "${digest.slice(0, 140)}" (expected sha256:<64 hex> or sha512:<128 hex>)`, details: { digest: digest.slice(0, 140) } });
  }
  return { algorithm: algorithm as DigestAlgorithm, hex };
}

/** True when `reference` has the shape of a digest (it may still be invalid). */
function looksLikeDigest(reference: string): boolean {
  return reference.includes(':');
}

export function createDigester(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/** `<algorithm>:<hex>` of `bytes`. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws OCI_INVALID_REFERENCE unless `repo` is a valid repository name. */
export function assertRepository(repo: string): void {
  if (repo.length > 255 || !REPOSITORY.test(repo)) {
    throw new OciError({ code: 'OCI_INVALID_REFERENCE', message: `invalid repository name "${repo.slice(0, 260)}"`, details: { repository: repo.slice(0, 260) } });
  }
}

/** Validates a tag or digest reference; returns true when it is a digest. */
export function assertReference(reference: string): boolean {
  if (looksLikeDigest(reference)) {
    parseDigest(reference);
    return true;
  }
  if (!TAG.test(reference)) {
    throw new OciError({ code: 'OCI_INVALID_REFERENCE', message: `invalid tag "${reference.slice(0, 140)}"`, details: { reference: reference.slice(0, 140) } });
  }
  return false;
}
