import { createHash, type KeyObject } from 'node:crypto';
import type { Signer } from '@sigstore/sign';
import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreVerify from '@sigstore/verify';
import { OciError } from '../error.js';
import type { RegistryClient } from '../client/registry-client.js';
import { digestOf, parseDigest } from '../client/digest.js';
import { signBytes } from './cosign.js';
import { MEDIA_TYPE_OCI_EMPTY, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST } from '../client/media-types.js';
import type { Descriptor } from '../client/types.js';
import { parseImageIndex, parseImageManifest } from '../client/schemas.js';

/** artifactType (and layer media type) of a sigstore bundle attached to an artifact through the referrers API. */
export const MEDIA_TYPE_SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const EMPTY = Buffer.from('{}');

// An empty trusted root: key-based bundles carry no certificates, tlog entries or timestamps to check.
const EMPTY_ROOT = { mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

// The sigstore libraries are loaded when a bundle is first looked at: most pulls (and every CLI command that does not
// verify or sign bundles) never need them, and loading them costs a cold process a good part of its start-up.
type VerifyLibs = [typeof SigstoreBundle, typeof SigstoreVerify];
const verifyLibs = (): Promise<VerifyLibs> => Promise.all([import('@sigstore/bundle'), import('@sigstore/verify')]);

function verifyWithKey([{ bundleFromJSON }, { toSignedEntity, toTrustMaterial, Verifier }]: VerifyLibs, bundleJson: unknown, key: KeyObject, subjectDigest: string): void {
  const bundle = bundleFromJSON(bundleJson);
  const trust = toTrustMaterial(EMPTY_ROOT as never, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  const { hex } = parseDigest(subjectDigest);
  if (bundle.content.$case === 'dsseEnvelope') {
    verifier.verify(toSignedEntity(bundle));
    const statement = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8')) as { subject?: Array<{ digest?: Record<string, string> }> };
    if (!statement.subject?.some((s) => s.digest?.sha256 === hex)) throw new Error(`in-toto statement does not name ${subjectDigest}`);
    return;
  }
  // A message signature signs the subject digest's text; @sigstore/verify does not compare messageDigest, so we do.
  const artifact = Buffer.from(subjectDigest);
  const md = bundle.content.messageSignature.messageDigest;
  if (md && Buffer.from(md.digest).toString('hex') !== createHash('sha256').update(artifact).digest('hex')) throw new Error('messageDigest does not match the subject');
  verifier.verify(toSignedEntity(bundle, artifact));
}

/**
 * Verifies sigstore bundles (key-based, offline) attached to `digest` through referrers (with the `sha256-<hex>` tag
 * fallback for registries without the referrers API).
 * @throws OciError OCI_SIGNATURE_MISSING, OCI_SIGNATURE_INVALID
 */
export async function verifySigstoreBundles(client: RegistryClient, repository: string, digest: string, keys: Array<[string, KeyObject]>, opts: { signal?: AbortSignal } = {}): Promise<{ verifiedBy: string }> {
  const refs = await client.getReferrers(repository, digest, { artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE, ...opts });
  if (!refs.length) throw new OciError({ code: 'OCI_SIGNATURE_MISSING', message: `${repository}@${digest} has no sigstore bundle`, details: { repository, digest } });
  const reasons = new Set<string>();
  const libs = await verifyLibs();
  for (const ref of refs) {
    const man = parseImageManifest((await client.getManifest(repository, ref.digest, { ...opts, size: ref.size })).json, `${repository}@${ref.digest}`);
    for (const layer of (man.layers ?? []).filter((l) => l.mediaType === MEDIA_TYPE_SIGSTORE_BUNDLE)) {
      let json: unknown;
      try { json = JSON.parse(Buffer.from(await client.getBlob(repository, layer.digest, { maxBytes: 1 << 20, ...opts })).toString('utf8')); } catch { reasons.add('bundle is not JSON'); continue; }
      for (const [name, key] of keys) {
        try { verifyWithKey(libs, json, key, digest); return { verifiedBy: name }; } catch (e) { reasons.add((e as Error).message.slice(0, 200)); }
      }
    }
  }
  throw new OciError({ code: 'OCI_SIGNATURE_INVALID', message: `${repository}@${digest}: no sigstore bundle verifies with an allowed key (${[...reasons].join('; ')})`, details: { repository, digest, reasons: [...reasons] } });
}

/**
 * Signs `digest` with a key into a DSSE sigstore bundle (in-toto statement naming the digest) and attaches it as a
 * referrer manifest; also records it in the `sha256-<hex>` fallback index for registries without the referrers API.
 */
export async function attachSigstoreBundle(client: RegistryClient, repository: string, subject: { digest: string; size: number; mediaType: string }, privateKey: KeyObject, publicKeyPem: string, opts: { keyHint?: string; signal?: AbortSignal } = {}): Promise<string> {
  const [{ bundleToJSON }, { DSSEBundleBuilder }] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/sign')]);
  const signer: Signer = {
    sign: async (data) => ({ signature: signBytes(privateKey, data), key: { $case: 'publicKey', publicKey: publicKeyPem, hint: opts.keyHint ?? 'plugway' } }),
  };
  const { hex } = parseDigest(subject.digest);
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: repository, digest: { sha256: hex } }], predicateType: PREDICATE_TYPE, predicate: {} };
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO });
  const bytes = Buffer.from(JSON.stringify(bundleToJSON(bundle)));
  const req = opts.signal ? { signal: opts.signal } : {};
  const layerDigest = (await client.pushBlob(repository, bytes, req)).digest;
  await client.pushBlob(repository, EMPTY, req);
  const manifest = {
    schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE,
    config: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: digestOf(EMPTY), size: EMPTY.byteLength },
    layers: [{ mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE, digest: layerDigest, size: bytes.byteLength }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  const mbytes = Buffer.from(JSON.stringify(manifest));
  const mdigest = digestOf(mbytes);
  await client.pushManifest(repository, mdigest, mbytes, MEDIA_TYPE_OCI_MANIFEST, req);
  // Referrers tag schema (OCI distribution 1.1): an index at `sha256-<hex>` listing the referrers.
  const tag = `sha256-${hex}`;
  const found = await client.findManifest(repository, tag, req);
  const existing: Descriptor[] = found ? parseImageIndex(found.json, `${repository}:${tag}`).manifests : [];
  const entry: Descriptor = { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: mdigest, size: mbytes.byteLength, artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE };
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [...existing.filter((d) => d.digest !== mdigest), entry] };
  await client.pushManifest(repository, tag, Buffer.from(JSON.stringify(index)), MEDIA_TYPE_OCI_INDEX, req);
  return mdigest;
}
