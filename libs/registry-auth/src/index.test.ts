import { describe, expect, it } from 'vitest';
import { isPlugwayError } from '@plugway/core';
import * as api from './index.js';
import { RegistryAuthError, type RegistryAuthErrorCode } from './index.js';

describe('@plugway/registry-auth public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'NAMED_AUTH_ENV_PREFIX', 'REGISTRY_ENV_PREFIX', 'RegistryAuthError', 'createRegistryAuth', 'dockerConfigPathFromEnv',
      'hostKey', 'parseWwwAuthenticate', 'readDockerConfig', 'registryAuthFromEnv',
    ]);
  });
});

describe('RegistryAuthError contract', () => {
  const codes: RegistryAuthErrorCode[] = [
    'REGISTRY_AUTH_INVALID_CONFIG', 'REGISTRY_AUTH_UNKNOWN_CREDENTIAL', 'REGISTRY_AUTH_DOCKER_CONFIG_INVALID', 'REGISTRY_AUTH_CHALLENGE_INVALID',
    'REGISTRY_AUTH_INSECURE_REALM', 'REGISTRY_AUTH_TOKEN_DENIED', 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED', 'REGISTRY_AUTH_ABORTED',
  ];
  it.each(codes)('%s has the name, prefix and brand', (code) => {
    const e = new RegistryAuthError({ code, message: 'm' });
    expect(e.name).toBe('RegistryAuthError');
    expect(e.code.startsWith('REGISTRY_AUTH_')).toBe(true);
    expect(isPlugwayError(e)).toBe(true);
  });
});

describe('hostKey', () => {
  it.each([
    ['ghcr.io', 'GHCR_IO'], ['localhost:5000', 'LOCALHOST_5000'], ['my-reg.example.com', 'MY_REG_EXAMPLE_COM'],
    ['https://index.docker.io/v1/', 'INDEX_DOCKER_IO'], ['GHCR_IO', 'GHCR_IO'], ['[::1]:5000', '___1__5000'],
  ])('%s → %s', (host, key) => {
    expect(api.hostKey(host)).toBe(key);
  });
});
