import { describe, expect, it } from 'vitest';
import { RegistryAuthError } from './error.js';
import { dockerConfigPathFromEnv, registryAuthFromEnv } from './env.js';

describe('registryAuthFromEnv', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['token for ghcr.io', { OCI_PLUGINS_REGISTRY_GHCR_IO_TOKEN: 't1' }, { GHCR_IO: { kind: 'bearer', token: 't1' } }],
    ['username + password with a port', { OCI_PLUGINS_REGISTRY_LOCALHOST_5000_USERNAME: 'u', OCI_PLUGINS_REGISTRY_LOCALHOST_5000_PASSWORD: 'p' },
      { LOCALHOST_5000: { kind: 'basic', username: 'u', password: 'p' } }],
    ['PASSWORDENV indirection', { OCI_PLUGINS_REGISTRY_REG_EXAMPLE_COM_USERNAME: 'u', OCI_PLUGINS_REGISTRY_REG_EXAMPLE_COM_PASSWORDENV: 'MY_PW', MY_PW: 'secret' },
      { REG_EXAMPLE_COM: { kind: 'basic', username: 'u', password: 'secret' } }],
    ['TOKENENV indirection', { OCI_PLUGINS_REGISTRY_GHCR_IO_TOKENENV: 'GH_TOKEN', GH_TOKEN: 'ght' }, { GHCR_IO: { kind: 'bearer', token: 'ght' } }],
    ['entitlement with the default user', { OCI_PLUGINS_REGISTRY_MY_REG_IO_ENTITLEMENT: 'ent' }, { MY_REG_IO: { kind: 'entitlement', username: 'token', entitlement: 'ent' } }],
    ['entitlement with a user', { OCI_PLUGINS_REGISTRY_MY_REG_IO_ENTITLEMENT: 'ent', OCI_PLUGINS_REGISTRY_MY_REG_IO_ENTITLEMENTUSERNAME: 'acme' },
      { MY_REG_IO: { kind: 'entitlement', username: 'acme', entitlement: 'ent' } }],
    ["AI Studio's ENTITLEMENTENV indirection", { OCI_PLUGINS_REGISTRY_MY_REG_IO_ENTITLEMENTENV: 'MY_ENT', MY_ENT: 'ent2' },
      { MY_REG_IO: { kind: 'entitlement', username: 'token', entitlement: 'ent2' } }],
    ['a host whose name ends like a field', { OCI_PLUGINS_REGISTRY_MY_TOKEN_IO_TOKEN: 'x' }, { MY_TOKEN_IO: { kind: 'bearer', token: 'x' } }],
    ['empty values are unset', { OCI_PLUGINS_REGISTRY_GHCR_IO_TOKEN: '', OTHER: 'x' }, {}],
    ['several hosts', { OCI_PLUGINS_REGISTRY_A_IO_TOKEN: 'a', OCI_PLUGINS_REGISTRY_B_IO_TOKEN: 'b' },
      { A_IO: { kind: 'bearer', token: 'a' }, B_IO: { kind: 'bearer', token: 'b' } }],
  ])('parses %s', (_name, env, registries) => {
    expect(registryAuthFromEnv(env)).toEqual({ registries, named: {} });
  });

  it('parses named credentials for auth=<name>', () => {
    expect(registryAuthFromEnv({ OCI_PLUGINS_AUTH_CORP_USERNAME: 'u', OCI_PLUGINS_AUTH_CORP_PASSWORD: 'p', OCI_PLUGINS_AUTH_CI_BOT_TOKEN: 't' }).named)
      .toEqual({ CORP: { kind: 'basic', username: 'u', password: 'p' }, CI_BOT: { kind: 'bearer', token: 't' } });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['ENTITLEMENTENV naming an unset variable', { OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENTENV: 'NOPE' }, /ENTITLEMENTENV names NOPE, which is not set/],
    ['entitlement + entitlementenv', { OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENT: 'e', OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENTENV: 'E' }, /cannot both be set/],
    ['entitlement + username', { OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENT: 'e', OCI_PLUGINS_REGISTRY_X_IO_USERNAME: 'u' }, /ENTITLEMENT and .*USERNAME cannot both be set/],
    ['username without password', { OCI_PLUGINS_REGISTRY_X_IO_USERNAME: 'u' }, /without _PASSWORD/],
    ['password without username', { OCI_PLUGINS_REGISTRY_X_IO_PASSWORD: 'p' }, /without _USERNAME/],
    ['password and passwordenv', { OCI_PLUGINS_REGISTRY_X_IO_USERNAME: 'u', OCI_PLUGINS_REGISTRY_X_IO_PASSWORD: 'p', OCI_PLUGINS_REGISTRY_X_IO_PASSWORDENV: 'P', P: 'x' }, /cannot both be set/],
    ['token and tokenenv', { OCI_PLUGINS_REGISTRY_X_IO_TOKEN: 't', OCI_PLUGINS_REGISTRY_X_IO_TOKENENV: 'T', T: 'x' }, /cannot both be set/],
    ['token with username', { OCI_PLUGINS_REGISTRY_X_IO_TOKEN: 't', OCI_PLUGINS_REGISTRY_X_IO_USERNAME: 'u' }, /cannot be combined/],
    ['passwordenv naming an unset var', { OCI_PLUGINS_REGISTRY_X_IO_USERNAME: 'u', OCI_PLUGINS_REGISTRY_X_IO_PASSWORDENV: 'NOPE' }, /names NOPE, which is not set/],
    ['tokenenv that is not a name', { OCI_PLUGINS_REGISTRY_X_IO_TOKENENV: 'not a name' }, /must name another environment variable/],
    ['entitlement user without entitlement', { OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENTUSERNAME: 'u' }, /without the matching _ENTITLEMENT/],
    ['unknown field', { OCI_PLUGINS_REGISTRY_X_IO_SECRET: 'sss' }, /does not end in a known field/],
    ['missing host', { OCI_PLUGINS_REGISTRY_TOKEN: 'ttt' }, /has no registry host/],
  ])('rejects %s with REGISTRY_AUTH_INVALID_CONFIG', (_name, env, message) => {
    try {
      registryAuthFromEnv(env);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegistryAuthError);
      expect((e as RegistryAuthError).code).toBe('REGISTRY_AUTH_INVALID_CONFIG');
      expect((e as RegistryAuthError).message).toMatch(message);
      // Values never appear, only variable names.
      const json = JSON.stringify((e as RegistryAuthError).toJSON());
      for (const v of Object.values(env)) if (v.length > 1 && !/^[A-Z_]+$/.test(v)) expect(json).not.toContain(`"${v}"`);
    }
  });

  it('lists every issue at once', () => {
    try {
      registryAuthFromEnv({ OCI_PLUGINS_REGISTRY_A_IO_USERNAME: 'u', OCI_PLUGINS_REGISTRY_B_IO_PASSWORD: 'p', OCI_PLUGINS_AUTH_C_FOO: 'x' });
      expect.unreachable();
    } catch (e) {
      const issues = (e as RegistryAuthError).details?.['issues'] as { variable: string }[];
      expect(issues.map((i) => i.variable).sort()).toEqual(['OCI_PLUGINS_AUTH_C_FOO', 'OCI_PLUGINS_REGISTRY_A_IO_USERNAME', 'OCI_PLUGINS_REGISTRY_B_IO_PASSWORD']);
    }
  });
});

describe('dockerConfigPathFromEnv', () => {
  it('prefers DOCKER_CONFIG, else ~/.docker/config.json', () => {
    expect(dockerConfigPathFromEnv({ DOCKER_CONFIG: '/etc/dc' }, '/home/u')).toBe('/etc/dc/config.json');
    expect(dockerConfigPathFromEnv({}, '/home/u')).toBe('/home/u/.docker/config.json');
  });
});
