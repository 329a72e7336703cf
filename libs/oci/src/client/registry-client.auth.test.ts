// 401 flows against the real registry in htpasswd and token modes. The RegistryAuth used here is a minimal
// test double of the port (the full implementation lives in @plugway/registry-auth, which this lib must not import).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../../../tools/test-registry/index.mjs';
import { OciError } from '../error.js';
import type { RegistryAuth } from './auth.types.js';
import { RegistryClient } from './registry-client.js';
import { pushImage } from './__fixtures__/images.js';

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** Basic up front; on a Bearer challenge, a token exchange with the same Basic credentials. */
function simpleAuth(user?: string, password?: string): RegistryAuth & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async authorization(host, scope) {
      calls.push(`authorization ${host} ${scope}`);
      return user !== undefined && password !== undefined ? basic(user, password) : undefined;
    },
    async challenge(host, www, scope) {
      calls.push(`challenge ${host} ${www.split(' ')[0]}`);
      if (/^basic/i.test(www)) return user !== undefined && password !== undefined ? basic(user, password) : undefined;
      const realm = /realm="([^"]+)"/.exec(www)?.[1];
      const service = /service="([^"]+)"/.exec(www)?.[1];
      const url = new URL(realm ?? '');
      if (service) url.searchParams.set('service', service);
      if (scope) url.searchParams.set('scope', scope);
      const res = await fetch(url, { headers: user !== undefined && password !== undefined ? { authorization: basic(user, password) } : {} });
      if (!res.ok) throw new Error(`token endpoint said ${res.status}`);
      const body = (await res.json()) as { token?: string; access_token?: string };
      return `Bearer ${body.token ?? body.access_token}`;
    },
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(OciError); return (e as OciError).code; }
  return 'RESOLVED';
}

describe('htpasswd registry', () => {
  let reg: TestRegistry;
  beforeAll(async () => { reg = await startRegistry({ auth: 'htpasswd', users: { alice: 'wonder-pass' } }); });
  afterAll(async () => { await reg?.stop(); });

  it('is OCI_UNAUTHORIZED without credentials and with wrong ones', async () => {
    expect(await code(new RegistryClient({ registry: reg.host, retries: 0 }).ping())).toBe('OCI_UNAUTHORIZED');
    const wrong = new RegistryClient({ registry: reg.host, retries: 0, auth: simpleAuth('alice', 'nope') });
    try {
      await wrong.getManifest('a/b', 'v1');
      expect.unreachable();
    } catch (e) {
      expect((e as OciError).code).toBe('OCI_UNAUTHORIZED');
      expect((e as OciError).message).toContain('rejected the credentials');
      expect(JSON.stringify((e as OciError).toJSON())).not.toContain('nope');
    }
  });

  it('pushes and pulls with Basic credentials', async () => {
    const c = new RegistryClient({ registry: reg.host, auth: simpleAuth('alice', 'wonder-pass') });
    const img = await pushImage(c, 'team/tool', 'v1');
    expect((await c.getManifest('team/tool', 'v1')).digest).toBe(img.digest);
  });
});

describe('token registry', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({
      auth: 'token', users: { alice: 'pw-a', reader: 'pw-r' },
      tokenServer: { grant: (user, scope) => (user === 'reader' ? scope.actions.filter((a) => a === 'pull') : scope.actions) },
    });
  });
  afterAll(async () => { await reg?.stop(); });

  it('exchanges a bearer token after the 401 challenge and round-trips an image', async () => {
    const auth = simpleAuth('alice', 'pw-a');
    const c = new RegistryClient({ registry: reg.host, auth });
    const img = await pushImage(c, 'team/tool', 'v1');
    expect((await c.getManifest('team/tool', 'v1')).digest).toBe(img.digest);
    expect(auth.calls.some((s) => s.startsWith(`challenge ${reg.host} Bearer`))).toBe(true);
    expect(reg.tokenRequests.some((r) => r.user === 'alice' && r.scopes.includes('repository:team/tool:pull,push'))).toBe(true);
  });

  it('gives OCI_UNAUTHORIZED when the token does not grant push', async () => {
    const c = new RegistryClient({ registry: reg.host, auth: simpleAuth('reader', 'pw-r'), retries: 0 });
    expect(await code(c.pushBlob('team/other', new Uint8Array([1, 2, 3])))).toBe('OCI_UNAUTHORIZED');
  });

  it('wraps a failing auth port as OCI_UNAUTHORIZED with the cause', async () => {
    const c = new RegistryClient({ registry: reg.host, auth: simpleAuth('alice', 'wrong'), retries: 0 });
    try {
      await c.getManifest('team/tool', 'v1');
      expect.unreachable();
    } catch (e) {
      expect((e as OciError).code).toBe('OCI_UNAUTHORIZED');
      expect((e as OciError).cause).toBeInstanceOf(Error);
      expect((e as OciError).message).toContain('token endpoint said 401');
    }
  });

  it('passes the credential name to the auth port', async () => {
    const seen: (string | undefined)[] = [];
    const auth: RegistryAuth = {
      authorization: async (_h, _s, o) => { seen.push(o?.credentialName); return undefined; },
      challenge: async (_h, _w, _s, o) => { seen.push(o?.credentialName); return undefined; },
    };
    const c = new RegistryClient({ registry: reg.host, auth, credentialName: 'corp', retries: 0 });
    expect(await code(c.ping())).toBe('OCI_UNAUTHORIZED');
    expect(seen).toEqual(['corp', 'corp']);
  });
});
