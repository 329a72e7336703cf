import { describe, expect, it } from 'vitest';
import { isPlugwayError } from '@plugway/core';
import * as api from './index.js';

describe('@plugway/oci public surface', () => {
  it('exports exactly these runtime names', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "MEDIA_TYPE_PLUGIN_CONFIG",
        "OciError",
        "PluginCache",
        "RegistryClient",
        "attachSigstoreBundle",
        "createGuardedFetch",
        "createKeyRing",
        "decodePluginConfig",
        "isIndexMediaType",
        "parseSize",
        "publicKeysFromEnv",
        "pullPlugin",
        "pushPlugin",
        "selectKeys",
        "sha256File",
        "signCosign",
        "signatureTag",
        "verifySignature",
      ]
    `);
  });
  it.each([['OCI_CONNECTION_DENIED'], ['OCI_BLOB_TOO_LARGE'], ['OCI_MANIFEST_INVALID']] as const)('OciError %s keeps its name, code and prefix', (code) => {
    const e = new api.OciError({ code, message: 'm' });
    expect(isPlugwayError(e)).toBe(true);
    expect(e.name).toBe('OciError');
    expect(e.code.startsWith('OCI_')).toBe(true);
  });
});
