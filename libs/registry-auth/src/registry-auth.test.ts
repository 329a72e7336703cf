// createRegistryAuth against a real docker-registry (htpasswd and token modes) from tools/test-registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@plugway/core';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { RegistryAuthError } from './error.js';
import { registryAuthFromEnv } from './env.js';
import { createRegistryAuth } from './registry-auth.js';
import type { RegistryAuth } from './types.js';

/** What the OCI client does: header up front, one challenge round on 401. */
async function request(auth: RegistryAuth, reg: TestRegistry, path: string, scope: string, credentialName?: string): Promise<number> {
  const opts = credentialName ? { credentialName } : {};
  const first = await auth.authorization(reg.host, scope, opts);
  let res = await fetch(`${reg.url}${path}`, { headers: first ? { authorization: first } : {} });
  if (res.status === 401) {
    const next = await auth.challenge(reg.host, res.headers.get('www-authenticate') ?? '', scope, opts);
    if (next && next !== first) res = await fetch(`${reg.url}${path}`, { headers: { authorization: next } });
  }
  await res.arrayBuffer();
  return res.status;
}

function capturingLogger(lines: string[]): Logger {
  const log = (msg: string, fields?: Record<string, unknown>): void => { lines.push(`${msg} ${JSON.stringify(fields ?? {})}`); };
  const l: Logger = { debug: log, info: log, warn: log, error: log, child: () => l };
  return l;
}

async function failure(p: Promise<unknown>): Promise<RegistryAuthError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(RegistryAuthError); return e as RegistryAuthError; }
  throw new Error('expected a failure');
}

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('htpasswd registry', () => {
  let reg: TestRegistry;
  beforeAll(async () => { reg = await startRegistry({ auth: 'htpasswd', users: { alice: 'alice-pw', token: 'ent-123' } }); });
  afterAll(async () => { await reg?.stop(); });

  it('sends Basic from USERNAME/PASSWORDENV', async () => {
    const key = reg.host.replace(/[.:]/g, '_');
    const config = registryAuthFromEnv({ [`OCI_PLUGINS_REGISTRY_${key}_USERNAME`]: 'alice', [`OCI_PLUGINS_REGISTRY_${key}_PASSWORDENV`]: 'ALICE_PW', ALICE_PW: 'alice-pw' });
    expect(await request(createRegistryAuth({ config }), reg, '/v2/', '')).toBe(200);
  });

  it('sends the entitlement as Basic token:<entitlement> on every request', async () => {
    const auth = createRegistryAuth({ config: { registries: { [reg.host]: { kind: 'entitlement', username: 'token', entitlement: 'ent-123' } }, named: {} } });
    expect(await auth.authorization(reg.host, 'repository:a/b:pull')).toBe(`Basic ${Buffer.from('token:ent-123').toString('base64')}`);
    expect(await request(auth, reg, '/v2/', '')).toBe(200);
  });

  it('answers a Basic challenge with nothing when anonymous, and 401 stays 401 with a wrong password', async () => {
    expect(await request(createRegistryAuth(), reg, '/v2/', '')).toBe(401);
    const wrong = createRegistryAuth({ config: { registries: { [reg.host]: { kind: 'basic', username: 'alice', password: 'nope' } }, named: {} } });
    expect(await request(wrong, reg, '/v2/', '')).toBe(401);
  });

  it('falls back to docker config.json (auth field), also from a DOCKER_CONFIG dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-docker-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth: Buffer.from('alice:alice-pw').toString('base64') } } }));
    expect(await request(createRegistryAuth({ dockerConfigPath: join(dir, 'config.json') }), reg, '/v2/', '')).toBe(200);
    expect(await request(createRegistryAuth({ dockerConfigPath: dir }), reg, '/v2/', '')).toBe(200);
    expect(await request(createRegistryAuth({ dockerConfigPath: join(dir, 'missing.json') }), reg, '/v2/', '')).toBe(401);
  });
});

describe('token registry', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token', users: { alice: 'alice-pw', bob: 'bob-pw' }, tokenServer: { anonymousPull: true, expiresIn: 120 } });
  });
  afterAll(async () => { await reg?.stop(); });
  const creds = (user: string, password: string) => ({ registries: { [reg.host]: { kind: 'basic' as const, username: user, password } }, named: {} });

  it('exchanges Basic credentials for a bearer token, caches it, and fetches tokens for new scopes up front', async () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const auth = createRegistryAuth({ config: creds('alice', 'alice-pw'), now: () => now, logger: capturingLogger(lines) });
    const scope = 'repository:team/app:pull,push';
    const before = reg.tokenRequests.length;
    // 404 NAME_UNKNOWN means the token was accepted (the repository just does not exist).
    expect(await request(auth, reg, '/v2/team/app/tags/list', scope)).toBe(404);
    expect(reg.tokenRequests.length).toBe(before + 1);
    expect(reg.tokenRequests.at(-1)).toMatchObject({ user: 'alice', authenticated: true, service: reg.tokenService });
    expect(reg.tokenRequests.at(-1)?.scopes).toContain(scope);

    const cached = await auth.authorization(reg.host, scope);
    expect(cached).toMatch(/^Bearer /);
    expect(reg.tokenRequests.length).toBe(before + 1);

    // The realm is known now: another scope gets its token without a 401 first.
    const other = await auth.authorization(reg.host, 'repository:team/other:pull');
    expect(other).toMatch(/^Bearer /);
    expect(reg.tokenRequests.length).toBe(before + 2);

    // After expiry (120 s minus the margin) a new token is fetched.
    now += 120_000;
    expect(await auth.authorization(reg.host, scope)).toMatch(/^Bearer /);
    expect(reg.tokenRequests.length).toBe(before + 3);

    const logged = lines.join('\n');
    expect(logged).toContain('registry token exchange');
    expect(logged).not.toContain('alice-pw');
    expect(logged).not.toContain(cached?.slice(7));
  });

  it('gets an anonymous token when there are no credentials', async () => {
    const auth = createRegistryAuth();
    expect(await request(auth, reg, '/v2/team/app/tags/list', 'repository:team/app:pull')).toBe(404);
    expect(reg.tokenRequests.at(-1)).toMatchObject({ user: undefined, authenticated: false });
  });

  it('uses the named credential selected by auth=<name>', async () => {
    const config = registryAuthFromEnv({ OCI_PLUGINS_AUTH_BOB_CREDS_USERNAME: 'bob', OCI_PLUGINS_AUTH_BOB_CREDS_PASSWORD: 'bob-pw' });
    const auth = createRegistryAuth({ config });
    expect(await request(auth, reg, '/v2/team/app/tags/list', 'repository:team/app:pull', 'bob-creds')).toBe(404);
    expect(reg.tokenRequests.at(-1)).toMatchObject({ user: 'bob', authenticated: true });
    const e = await failure(auth.authorization(reg.host, 'repository:x:pull', { credentialName: 'nobody' }));
    expect(e.code).toBe('REGISTRY_AUTH_UNKNOWN_CREDENTIAL');
  });

  it('fails with REGISTRY_AUTH_TOKEN_DENIED on a wrong password, without leaking it', async () => {
    const auth = createRegistryAuth({ config: creds('alice', 'very-wrong-pw') });
    const res = await fetch(`${reg.url}/v2/`);
    const e = await failure(auth.challenge(reg.host, res.headers.get('www-authenticate') ?? '', ''));
    expect(e.code).toBe('REGISTRY_AUTH_TOKEN_DENIED');
    expect(JSON.stringify(e.toJSON())).not.toContain('very-wrong-pw');
    expect(e.message).not.toContain('very-wrong-pw');
  });

  it('shares one exchange between concurrent challenges', async () => {
    const auth = createRegistryAuth({ config: creds('alice', 'alice-pw') });
    const www = `Bearer realm="${reg.tokenRealm}",service="${reg.tokenService}"`;
    const before = reg.tokenRequests.length;
    const headers = await Promise.all([1, 2, 3, 4].map(() => auth.challenge(reg.host, www, 'repository:team/par:pull')));
    expect(new Set(headers).size).toBe(1);
    expect(reg.tokenRequests.length).toBe(before + 1);
  });

  it('uses an entitlement for the token exchange and then sends the cached token', async () => {
    const auth = createRegistryAuth({ config: { registries: { [reg.host]: { kind: 'entitlement', username: 'alice', entitlement: 'alice-pw' } }, named: {} } });
    const scope = 'repository:team/ent:pull';
    expect(await auth.authorization(reg.host, scope)).toBe(`Basic ${Buffer.from('alice:alice-pw').toString('base64')}`);
    expect(await request(auth, reg, '/v2/team/ent/tags/list', scope)).toBe(404);
    expect(reg.tokenRequests.at(-1)).toMatchObject({ user: 'alice', authenticated: true });
    expect(await auth.authorization(reg.host, scope)).toMatch(/^Bearer /);
  });

  it('does not retry a static TOKEN that drew a challenge', async () => {
    const auth = createRegistryAuth({ config: { registries: { [reg.host]: { kind: 'bearer', token: 'static' } }, named: {} } });
    expect(await auth.authorization(reg.host, '')).toBe('Bearer static');
    expect(await auth.challenge(reg.host, `Bearer realm="${reg.tokenRealm}"`, '')).toBeUndefined();
  });
});

describe('token server variants', () => {
  it('accepts access_token and defaults expires_in to 60 s', async () => {
    const reg = await startRegistry({ auth: 'token', users: { u: 'p' }, tokenServer: { tokenField: 'access_token', includeExpiresIn: false } });
    try {
      let now = 0;
      const auth = createRegistryAuth({ config: { registries: { [reg.host]: { kind: 'basic', username: 'u', password: 'p' } }, named: {} }, now: () => now });
      expect(await request(auth, reg, '/v2/', '')).toBe(200);
      const n = reg.tokenRequests.length;
      now += 40_000;
      await auth.authorization(reg.host, '');
      expect(reg.tokenRequests.length).toBe(n);
      now += 20_000;
      await auth.authorization(reg.host, '');
      expect(reg.tokenRequests.length).toBe(n + 1);
    } finally {
      await reg.stop();
    }
  });
});

describe('challenge edge cases (no registry needed)', () => {
  const withCreds = createRegistryAuth({ config: { registries: { 'reg.example': { kind: 'basic', username: 'u', password: 'p' } }, named: {} } });

  it('refuses to send credentials to a plain-http realm off loopback', async () => {
    const e = await failure(withCreds.challenge('reg.example', 'Bearer realm="http://auth.example/token",service="x"', ''));
    expect(e.code).toBe('REGISTRY_AUTH_INSECURE_REALM');
  });

  it('rejects a Bearer challenge without a realm or with a bad one', async () => {
    expect((await failure(withCreds.challenge('reg.example', 'Bearer service="x"', ''))).code).toBe('REGISTRY_AUTH_CHALLENGE_INVALID');
    expect((await failure(withCreds.challenge('reg.example', 'Bearer realm="ftp://x/y"', ''))).code).toBe('REGISTRY_AUTH_CHALLENGE_INVALID');
    expect((await failure(withCreds.challenge('reg.example', 'Bearer realm="::"', ''))).code).toBe('REGISTRY_AUTH_CHALLENGE_INVALID');
  });

  it('reports an unreachable realm as REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED and an abort as REGISTRY_AUTH_ABORTED', async () => {
    expect((await failure(withCreds.challenge('reg.example', 'Bearer realm="http://127.0.0.1:1/token"', ''))).code).toBe('REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED');
    const ac = new AbortController();
    ac.abort();
    expect((await failure(withCreds.challenge('reg.example', 'Bearer realm="http://127.0.0.1:1/token"', '', { signal: ac.signal }))).code).toBe('REGISTRY_AUTH_ABORTED');
  });

  it('uses a docker identitytoken as an OAuth2 refresh token (POST)', async () => {
    const seen: { method?: string; body: string; auth?: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => { body += String(c); });
      req.on('end', () => {
        seen.push({ method: req.method, body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at-1', expires_in: 300 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'ra-idt-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example': { identitytoken: 'refresh-xyz' } } }));
    try {
      const auth = createRegistryAuth({ dockerConfigPath: dir });
      expect(await auth.challenge('reg.example', `Bearer realm="http://127.0.0.1:${port}/oauth",service="svc"`, 'repository:a:pull')).toBe('Bearer at-1');
      expect(seen[0]?.method).toBe('POST');
      const form = new URLSearchParams(seen[0]?.body);
      expect(form.get('grant_type')).toBe('refresh_token');
      expect(form.get('refresh_token')).toBe('refresh-xyz');
      expect(form.get('service')).toBe('svc');
      expect(form.get('scope')).toBe('repository:a:pull');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('reports a broken docker config as REGISTRY_AUTH_DOCKER_CONFIG_INVALID without its content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-bad-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), '{"auths": {"x": {"auth": "c2VjcmV0LXB3"}, ');
    const e = await failure(createRegistryAuth({ dockerConfigPath: dir }).authorization('x', ''));
    expect(e.code).toBe('REGISTRY_AUTH_DOCKER_CONFIG_INVALID');
    expect(JSON.stringify(e.toJSON())).not.toContain('c2VjcmV0');
  });

  it('maps docker.io credentials onto registry-1.docker.io', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-hub-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { username: 'hubuser', password: 'hubpw' } } }));
    const auth = createRegistryAuth({ dockerConfigPath: dir });
    expect(await auth.authorization('docker.io', '')).toBe(`Basic ${Buffer.from('hubuser:hubpw').toString('base64')}`);
    expect(await auth.authorization('registry-1.docker.io', '')).toBe(`Basic ${Buffer.from('hubuser:hubpw').toString('base64')}`);
  });
});
