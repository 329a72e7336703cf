// createRegistryAuth: picks the credential for a registry (named → env/config → docker config → anonymous) and
// turns it into Authorization headers, doing the distribution-spec bearer token exchange on a 401 challenge.
import { isPlugwayError, NOOP_LOGGER, redactUrl, type Logger } from '@plugway/core';
import { parseWwwAuthenticate } from './challenge.js';
import { readDockerConfig } from './docker-config.js';
import { RegistryAuthError } from './error.js';
import { hostKey, hostKeys, nameKey } from './host-key.js';
import type { RegistryAuth, RegistryAuthConfig, RegistryAuthRequestOptions, RegistryCredential } from './types.js';

/**
 * How token requests are sent: `globalThis.fetch` by default; the OCI path passes its policy-checked fetch. Only what
 * the exchange reads is required, so a fetch without fetch's Response class fits too.
 */
export type TokenFetch = (url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface CreateRegistryAuthOptions {
  config?: RegistryAuthConfig;
  /** A docker config.json, or a DOCKER_CONFIG directory holding one; used when no configured credential matches. */
  dockerConfigPath?: string;
  fetch?: TokenFetch;
  logger?: Logger;
  /** Clock in ms (for token expiry). Default Date.now. */
  now?: () => number;
  /** Token request timeout. Default 30000 ms. */
  timeoutMs?: number;
  /** Send credentials to a plain-http token realm that is not loopback. Default false. */
  allowInsecureRealm?: boolean;
  userAgent?: string;
}

interface Resolved { cred: RegistryCredential | undefined; id: string }
interface Realm { realm: string; service: string | undefined }

const DEFAULT_TTL_S = 60;
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** The Basic header of a username/password or entitlement credential; undefined for any other kind. */
function basicHeader(cred: RegistryCredential | undefined): string | undefined {
  const pair = cred?.kind === 'basic' ? [cred.username, cred.password] : cred?.kind === 'entitlement' ? [cred.username, cred.entitlement] : undefined;
  return pair && `Basic ${Buffer.from(`${pair[0]}:${pair[1]}`, 'utf8').toString('base64')}`;
}

function normalise(config: RegistryAuthConfig | undefined): RegistryAuthConfig {
  const out: RegistryAuthConfig = { registries: {}, named: {} };
  for (const [k, v] of Object.entries(config?.registries ?? {})) out.registries[hostKey(k)] = v;
  for (const [k, v] of Object.entries(config?.named ?? {})) out.named[nameKey(k)] = v;
  return out;
}

class RegistryAuthImpl implements RegistryAuth {
  private readonly config: RegistryAuthConfig;
  private readonly fetch: TokenFetch;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly tokens = new Map<string, { header: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly realms = new Map<string, Realm>();
  private docker: Promise<Record<string, RegistryCredential>> | undefined;

  constructor(private readonly o: CreateRegistryAuthOptions) {
    this.config = normalise(o.config);
    this.fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.logger = o.logger ?? NOOP_LOGGER;
    this.now = o.now ?? Date.now;
  }

  private async resolve(host: string, credentialName: string | undefined): Promise<Resolved> {
    if (credentialName !== undefined) {
      const key = nameKey(credentialName);
      const cred = this.config.named[key];
      if (!cred) {
        throw new RegistryAuthError({
          code: 'REGISTRY_AUTH_UNKNOWN_CREDENTIAL',
          message: `no credential named "${credentialName.slice(0, 60)}" (define OCI_PLUGINS_AUTH_${key}_<FIELD>)`,
          details: { credentialName: credentialName.slice(0, 60), known: Object.keys(this.config.named) },
        });
      }
      return { cred, id: `named:${key}` };
    }
    for (const k of hostKeys(host)) {
      const cred = this.config.registries[k];
      if (cred) return { cred, id: `config:${k}` };
    }
    if (this.o.dockerConfigPath) {
      this.docker ??= readDockerConfig(this.o.dockerConfigPath);
      const docker = await this.docker;
      for (const k of hostKeys(host)) {
        const cred = docker[k];
        if (cred) return { cred, id: `docker:${k}` };
      }
    }
    return { cred: undefined, id: 'anonymous' };
  }

  async authorization(host: string, scope: string, opts: RegistryAuthRequestOptions = {}): Promise<string | undefined> {
    const { cred, id } = await this.resolve(host, opts.credentialName);
    if (cred?.kind === 'bearer') return `Bearer ${cred.token}`;
    const cacheKey = `${hostKey(host)}|${id}|${scope}`;
    const cached = this.tokens.get(cacheKey);
    if (cached && cached.expiresAt > this.now()) return cached.header;
    // Once a host has shown a Bearer challenge, fetch tokens for new scopes up front (saves a 401 round trip).
    const realm = this.realms.get(`${hostKey(host)}|${id}`);
    if (realm) return this.exchange(host, realm, [scope], cred, cacheKey, opts.signal);
    return basicHeader(cred);
  }

  async challenge(host: string, wwwAuthenticate: string, scope: string, opts: RegistryAuthRequestOptions = {}): Promise<string | undefined> {
    const { cred, id } = await this.resolve(host, opts.credentialName);
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      // A static token that drew a challenge was rejected; there is nothing better to send.
      if (cred?.kind === 'bearer') return undefined;
      const realm = bearer.params['realm'];
      if (!realm) {
        throw new RegistryAuthError({ code: 'REGISTRY_AUTH_CHALLENGE_INVALID', message: `registry ${host} sent a Bearer challenge without a realm`, details: { host } });
      }
      const r: Realm = { realm, service: bearer.params['service'] };
      this.realms.set(`${hostKey(host)}|${id}`, r);
      const cacheKey = `${hostKey(host)}|${id}|${scope}`;
      this.tokens.delete(cacheKey);
      const scopes = [...new Set([scope, ...(bearer.params['scope'] ?? '').split(' ')].filter(Boolean))];
      return this.exchange(host, r, scopes, cred, cacheKey, opts.signal);
    }
    return challenges.some((c) => c.scheme === 'basic') ? basicHeader(cred) : undefined;
  }

  private exchange(host: string, realm: Realm, scopes: string[], cred: RegistryCredential | undefined, cacheKey: string, signal: AbortSignal | undefined): Promise<string> {
    const running = this.inflight.get(cacheKey);
    if (running) return running;
    const p = this.doExchange(host, realm, scopes, cred, cacheKey, signal).finally(() => this.inflight.delete(cacheKey));
    this.inflight.set(cacheKey, p);
    return p;
  }

  private async doExchange(host: string, realm: Realm, scopes: string[], cred: RegistryCredential | undefined, cacheKey: string, signal: AbortSignal | undefined): Promise<string> {
    let url: URL;
    try {
      url = new URL(realm.realm);
    } catch (e) {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_CHALLENGE_INVALID', message: `registry ${host} sent an invalid token realm`, details: { host }, cause: e });
    }
    const safeRealm = redactUrl(`${url.origin}${url.pathname}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_CHALLENGE_INVALID', message: `registry ${host} sent a token realm that is not http(s)`, details: { host } });
    }
    const hasSecret = cred !== undefined;
    if (url.protocol === 'http:' && hasSecret && !LOOPBACK_HOST.test(url.hostname) && !this.o.allowInsecureRealm) {
      throw new RegistryAuthError({
        code: 'REGISTRY_AUTH_INSECURE_REALM',
        message: `refusing to send credentials for ${host} to the plain-http token realm ${safeRealm}`,
        details: { host, realm: safeRealm },
      });
    }
    const headers: Record<string, string> = { 'user-agent': this.o.userAgent ?? 'plugway-registry-auth/0.0.0', accept: 'application/json' };
    let init: Parameters<TokenFetch>[1];
    if (cred?.kind === 'identity-token') {
      // OAuth2 refresh-token grant (docker's identitytoken).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'plugway' });
      if (realm.service) form.set('service', realm.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      headers['content-type'] = 'application/x-www-form-urlencoded';
      init = { method: 'POST', headers, body: form.toString() };
    } else {
      if (realm.service) url.searchParams.set('service', realm.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const auth = basicHeader(cred);
      if (auth) headers['authorization'] = auth;
      init = { method: 'GET', headers };
    }
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 30_000);
    init.signal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const details = { host, realm: safeRealm, scopes };
    let res: Awaited<ReturnType<TokenFetch>>;
    let text: string;
    try {
      res = await this.fetch(url.href, init);
      text = await res.text();
    } catch (e) {
      // A coded refusal from an injected fetch (the OCI path's policy guard on the realm) keeps its code.
      if (isPlugwayError(e)) throw e;
      if (signal?.aborted) throw new RegistryAuthError({ code: 'REGISTRY_AUTH_ABORTED', message: `token request for ${host} was aborted`, details, cause: e });
      const reason = timeout.aborted ? 'timed out' : ((e as { cause?: { code?: string } })?.cause?.code ?? (e as Error)?.message ?? 'network error');
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED', message: `token request to ${safeRealm} for ${host} failed: ${reason}`, details, cause: e });
    }
    this.logger.debug('registry token exchange', { host, realm: safeRealm, scopes, status: res.status, credential: cred?.kind ?? 'anonymous' });
    if (res.status === 401 || res.status === 403) {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_TOKEN_DENIED', message: `token endpoint ${safeRealm} refused ${hasSecret ? 'the credentials' : 'anonymous access'} for ${host} (HTTP ${res.status})`, details: { ...details, status: res.status } });
    }
    if (res.status < 200 || res.status > 299) {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED', message: `token endpoint ${safeRealm} answered HTTP ${res.status} for ${host}`, details: { ...details, status: res.status } });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED', message: `token endpoint ${safeRealm} returned invalid JSON for ${host}`, details });
    }
    const token = typeof body?.token === 'string' && body.token ? body.token : typeof body?.access_token === 'string' && body.access_token ? body.access_token : undefined;
    if (!token) {
      throw new RegistryAuthError({ code: 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED', message: `token endpoint ${safeRealm} returned no token for ${host}`, details });
    }
    // The spec says to assume 60 s when expires_in is missing or smaller; refresh a little early.
    const ttlMs = Math.max(DEFAULT_TTL_S, typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) ? body.expires_in : 0) * 1000;
    const header = `Bearer ${token}`;
    this.tokens.set(cacheKey, { header, expiresAt: this.now() + ttlMs - Math.min(30_000, ttlMs * 0.2) });
    return header;
  }
}

/**
 * Creates the RegistryAuth the OCI client uses. Credentials: the named one when `credentialName` is given
 * (REGISTRY_AUTH_UNKNOWN_CREDENTIAL if absent), else the configured one for the host, else docker config.json,
 * else anonymous. Entitlement → Basic on every request; username/password → Basic and token exchange;
 * token → Bearer as is. Failures throw RegistryAuthError; no secret is ever logged or put in an error.
 */
export function createRegistryAuth(opts: CreateRegistryAuthOptions = {}): RegistryAuth {
  return new RegistryAuthImpl(opts);
}
