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
