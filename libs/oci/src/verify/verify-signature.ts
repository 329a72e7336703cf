import type { KeyObject } from 'node:crypto';
import { OciError } from '../error.js';
import type { RegistryClient } from '../client/registry-client.js';
import { verifyCosignSignature } from './cosign.js';
import { verifySigstoreBundles } from './sigstore-bundle.js';

/**
 * Verifies `digest` with any supported signature: cosign legacy (`.sig` tag) first, then sigstore bundles attached
 * as referrers. OCI_SIGNATURE_MISSING only when neither exists; a present but bad signature is OCI_SIGNATURE_INVALID.
 */
export async function verifySignature(client: RegistryClient, repository: string, digest: string, keys: Array<[string, KeyObject]>, opts: { signal?: AbortSignal } = {}): Promise<{ verifiedBy: string; scheme: 'cosign' | 'sigstore-bundle' }> {
  try {
    return await verifyAny(client, repository, digest, keys, opts);
  } catch (e) {
    // Say how to fix it: who signs, with which command, and where the host looks for the public key.
    if (e instanceof OciError && (e.code === 'OCI_SIGNATURE_MISSING' || e.code === 'OCI_SIGNATURE_INVALID')) {
      const sign = `plugway sign oci://${client.registry}/${repository}@${digest} --key <private-key.pem>`;
      const how = e.code === 'OCI_SIGNATURE_MISSING'
        ? `sign it with "${sign}" (make a key pair with "plugway keygen")`
        : `sign it with the private key of a configured public key ("${sign}"), or configure the signer's public key as OCI_PLUGINS_PUBKEY_<NAME>`;
      e.message = `${e.message}; ${how}`;
    }
    throw e;
  }
}

async function verifyAny(client: RegistryClient, repository: string, digest: string, keys: Array<[string, KeyObject]>, opts: { signal?: AbortSignal }): Promise<{ verifiedBy: string; scheme: 'cosign' | 'sigstore-bundle' }> {
  let invalid: OciError | undefined;
  try {
    return { ...(await verifyCosignSignature(client, repository, digest, keys, opts)), scheme: 'cosign' };
  } catch (e) {
    if (!(e instanceof OciError) || (e.code !== 'OCI_SIGNATURE_MISSING' && e.code !== 'OCI_SIGNATURE_INVALID')) throw e;
    if (e.code === 'OCI_SIGNATURE_INVALID') invalid = e;
  }
  try {
    return { ...(await verifySigstoreBundles(client, repository, digest, keys, opts)), scheme: 'sigstore-bundle' };
  } catch (e) {
    if (e instanceof OciError && e.code === 'OCI_SIGNATURE_MISSING' && invalid) throw invalid;
    if (e instanceof OciError && e.code === 'OCI_SIGNATURE_MISSING') {
      throw new OciError({ code: 'OCI_SIGNATURE_MISSING', message: `${repository}@${digest} is not signed (no cosign signature, no sigstore bundle)`, details: { repository, digest } });
    }
    throw e;
  }
}
