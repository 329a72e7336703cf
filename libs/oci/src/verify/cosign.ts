import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { OciError } from '../error.js';
import type { RegistryClient } from '../client/registry-client.js';
import { parseDigest } from '../client/digest.js';
import { MEDIA_TYPE_OCI_MANIFEST } from '../client/media-types.js';
import { parseImageManifest } from '../client/schemas.js';

/** cosign's legacy (tag-based) signature format. */
export const MEDIA_TYPE_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const COSIGN_TYPE = 'cosign container image signature';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';

/** `sha256-<hex>.sig`: the tag cosign stores signatures of `digest` under. */
export function signatureTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex}.sig`;
}

/** The simplesigning payload cosign signs for an image digest. */
export function simpleSigningPayload(dockerReference: string, digest: string): Uint8Array {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: COSIGN_TYPE }, optional: null }));
}

/** Signs like cosign: Ed25519 keys sign the message itself; ECDSA and RSA sign its SHA-256. */
export function signBytes(key: KeyObject, payload: Uint8Array): Buffer {
  return key.asymmetricKeyType === 'ed25519' ? cryptoSign(null, payload, key) : cryptoSign('sha256', payload, key);
}

function verifyBytes(key: KeyObject, payload: Uint8Array, signature: Buffer): boolean {
  try {
    // Ed25519 keys sign the message itself; ECDSA and RSA sign its SHA-256 (what cosign does).
    return key.asymmetricKeyType === 'ed25519' ? cryptoVerify(null, payload, key, signature) : cryptoVerify('sha256', payload, key, signature);
  } catch {
    return false;
  }
}

export interface CosignVerifyResult {
  verifiedBy: string;
  signatures: number;
}

/**
 * Verifies cosign legacy signatures of `digest` in `repository`: a layer of the `sha256-<hex>.sig` manifest must carry
 * a signature that one of `keys` verifies over its simplesigning payload, and the payload must name `digest`.
 * @throws OciError OCI_SIGNATURE_MISSING (no signature at all), OCI_SIGNATURE_INVALID (none verifies), registry codes
 */
export async function verifyCosignSignature(client: RegistryClient, repository: string, digest: string, keys: Array<[string, KeyObject]>, opts: { signal?: AbortSignal } = {}): Promise<CosignVerifyResult> {
  const tag = signatureTag(digest);
  const found = await client.findManifest(repository, tag, opts);
  if (!found) throw new OciError({ code: 'OCI_SIGNATURE_MISSING', message: `${repository}@${digest} has no signature (no ${tag} tag)`, details: { repository, digest } });
  const man = parseImageManifest(found.json, `${repository}:${tag}`);
  const layers = (man.layers ?? []).filter((l) => l.mediaType === MEDIA_TYPE_SIMPLESIGNING && l.annotations?.[COSIGN_SIGNATURE_ANNOTATION]);
  if (!layers.length) throw new OciError({ code: 'OCI_SIGNATURE_MISSING', message: `${repository}@${digest}: ${tag} holds no cosign signatures`, details: { repository, digest } });
  const reasons: string[] = [];
  for (const layer of layers) {
    const payload = await client.getBlob(repository, layer.digest, { maxBytes: 64 * 1024, ...opts });
    const sig = Buffer.from(layer.annotations![COSIGN_SIGNATURE_ANNOTATION]!, 'base64');
    const signer = keys.find(([, k]) => verifyBytes(k, payload, sig));
    if (!signer) { reasons.push('signature does not verify with any allowed key'); continue; }
    let parsed: { critical?: { image?: { 'docker-manifest-digest'?: string }; type?: string } };
    try { parsed = JSON.parse(Buffer.from(payload).toString('utf8')); } catch { reasons.push('payload is not JSON'); continue; }
    if (parsed.critical?.type !== COSIGN_TYPE) { reasons.push('payload is not a cosign image signature'); continue; }
    if (parsed.critical.image?.['docker-manifest-digest'] !== digest) { reasons.push(`payload signs ${parsed.critical.image?.['docker-manifest-digest']}, not ${digest}`); continue; }
    return { verifiedBy: signer[0], signatures: layers.length };
  }
  throw new OciError({ code: 'OCI_SIGNATURE_INVALID', message: `${repository}@${digest}: no valid signature (${[...new Set(reasons)].join('; ')})`, details: { repository, digest, reasons: [...new Set(reasons)] } });
}

/**
 * Signs `digest` the way `cosign sign --key` does (legacy tag scheme): pushes the simplesigning payload as a layer with
 * the signature annotation to the `sha256-<hex>.sig` manifest, keeping signatures already there.
 */
export async function signCosign(client: RegistryClient, repository: string, digest: string, privateKey: KeyObject, opts: { dockerReference: string; signal?: AbortSignal }): Promise<{ signatureTag: string; manifestDigest: string }> {
  const payload = simpleSigningPayload(opts.dockerReference, digest);
  const signature = signBytes(privateKey, payload);
  const payloadDigest = (await client.pushBlob(repository, payload, opts)).digest;
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  const configDigest = (await client.pushBlob(repository, config, opts)).digest;
  const tag = signatureTag(digest);
  const existing = await client.findManifest(repository, tag, opts);
  const layers = existing ? parseImageManifest(existing.json, `${repository}:${tag}`).layers : [];
  const layer = { mediaType: MEDIA_TYPE_SIMPLESIGNING, digest: payloadDigest, size: payload.byteLength, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature.toString('base64') } };
  const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.byteLength }, layers: [...layers.filter((l) => l.digest !== payloadDigest), layer] };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await client.pushManifest(repository, tag, bytes, MEDIA_TYPE_OCI_MANIFEST, opts);
  return { signatureTag: tag, manifestDigest };
}
