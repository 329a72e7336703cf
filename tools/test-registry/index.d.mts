// Types for tools/test-registry/index.mjs (a real docker-registry for tests).

export interface TokenScope {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenServerOptions {
  /** `service` in the registry config and the JWT `aud`. Default `plugway-test-registry`. */
  service?: string;
  /** JWT `iss`. Default `plugway-test-issuer`. */
  issuer?: string;
  /** Token lifetime in seconds (also returned as `expires_in`). Default 300. */
  expiresIn?: number;
  /** Omit `expires_in` from the token response when false. Default true. */
  includeExpiresIn?: boolean;
  /** Which field carries the token in the response. Default `token`. */
  tokenField?: 'token' | 'access_token' | 'both';
  /** Grant `pull` to requests without credentials. Default false (anonymous gets an empty grant). */
  anonymousPull?: boolean;
  /** Decide which actions an authenticated user gets for a scope; default: all requested actions. */
  grant?: (user: string, scope: TokenScope) => string[] | undefined;
}

export interface StartRegistryOptions {
  /** Default `none`. */
  auth?: 'none' | 'htpasswd' | 'token';
  /** user → password. Default `{ testuser: 'testpassword' }` when auth is not `none`. */
  users?: Record<string, string>;
  tokenServer?: TokenServerOptions;
  /** Working dir (config, storage, htpasswd, keys); a temp dir (removed on stop) by default. */
  dir?: string;
  /** How long to wait for `GET /v2/`. Default 30000. */
  startTimeoutMs?: number;
}

export interface TokenRequestRecord {
  service: string | null;
  scopes: string[];
  user: string | undefined;
  authenticated: boolean;
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  dir: string;
  auth: 'none' | 'htpasswd' | 'token';
  users: Record<string, string>;
  /** PID of the sh watchdog that runs docker-registry (it kills the registry when this process dies). */
  pid: number | undefined;
  /** Token mode: the realm URL of the in-process token server. */
  tokenRealm: string | undefined;
  tokenService: string | undefined;
  /** Token mode: every request the token server received, in order (mutable, for assertions). */
  tokenRequests: TokenRequestRecord[];
  /** The registry's captured stdout/stderr (last lines). */
  logs(): string;
  /** Kills the registry (and the token server) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export function startRegistry(opts?: StartRegistryOptions): Promise<TestRegistry>;
export function ensureRegistryInstalled(): string;
export function freePort(): Promise<number>;
