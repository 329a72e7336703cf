import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { throwIfIssues, type ConfigIssue } from './error.js';
import { cleanEnv, envHttpUrl, envInt, envLogLevel, envPath, parseEnv, type Env } from './env-schema.js';
import { buildRuntimePart } from './runtime-settings.js';
import type { BaseSettings } from './studio.js';

export const DEFAULT_EDGE_CACHE_DIR = '/var/lib/microgateway/plugins';
const DEFAULT_EDGE_DATA_DIR = '/var/lib/microgateway/edge';

export interface EdgeSettings extends BaseSettings {
  kind: 'edge';
  /** Plugin definitions file (`EDGE_CONFIG_FILE`), absolute; undefined = none. */
  configFile: string | undefined;
  /** Where proxied traffic goes (`EDGE_UPSTREAM_URL`). */
  upstreamUrl: string | undefined;
  /**
   * Plugin sync from a studio: `EDGE_STUDIO_URL` with `EDGE_STUDIO_CREDENTIAL` (an edge credential created in the studio,
   * which receives real config values) or the older `EDGE_STUDIO_TOKEN`. The token is a secret.
   * `edgeId` (`EDGE_ID`, default the host name) is how the studio lists this edge.
   */
  studio: { url: string; token: string; syncIntervalMs: number; edgeId: string } | undefined;
  /** Where the edge keeps the last plugin set it received (`EDGE_DATA_DIR`), absolute. */
  dataDir: string;
  /** Worker processes serving the port (`EDGE_WORKERS`: a number, or `auto` for one per core); 1 = no cluster. */
  workers: number;
}

/**
 * Builds the edge gateway's settings from an environment record (default `process.env`), reporting every problem at once.
 * Defaults: port 8080 on 0.0.0.0, OCI enabled with the cache in /var/lib/microgateway/plugins, signatures required.
 * @throws ConfigError CONFIG_INVALID with `details.issues: [{ path, message }]` (variable names, never values)
 */
export function loadEdgeSettings(env: Env = process.env, opts: { cwd?: string } = {}): EdgeSettings {
  const cwd = opts.cwd ?? process.cwd();
  const clean = cleanEnv(env);
  const issues: ConfigIssue[] = [];
  const schema = z.object({
    PORT: envInt(8080, 0, 65535),
    HOST: z.string().optional(),
    LOG_LEVEL: envLogLevel,
    EDGE_CONFIG_FILE: envPath.optional(),
    EDGE_UPSTREAM_URL: envHttpUrl.optional(),
    EDGE_STUDIO_URL: envHttpUrl.optional(),
    EDGE_STUDIO_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    EDGE_STUDIO_CREDENTIAL: z.string().regex(/^pwe_[A-Za-z0-9_-]{43}$/, { error: 'must be an edge credential from the studio (pwe_…)' }).optional(),
    EDGE_STUDIO_SYNC_INTERVAL_MS: envInt(30_000, 1000, 86_400_000),
    EDGE_WORKERS: z.preprocess((v) => (typeof v === 'string' && v.trim().toLowerCase() === 'auto' ? String(availableParallelism()) : v), envInt(1, 1, 256)),
    EDGE_ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: 'letters, digits, . _ : - (at most 128, starting with a letter or digit)' }).optional(),
    EDGE_DATA_DIR: envPath.optional(),
  });
  const raw = parseEnv(schema, clean, issues);
  const runtime = buildRuntimePart(env, clean, {
    cacheDir: 'OCI_PLUGINS_CACHE_DIR', requireSignature: 'OCI_PLUGINS_REQUIRE_SIGNATURE', defaultCacheDir: DEFAULT_EDGE_CACHE_DIR, defaultRequireSignature: true,
  }, issues);
  const studioAuth = clean['EDGE_STUDIO_CREDENTIAL'] ? 'EDGE_STUDIO_CREDENTIAL' : 'EDGE_STUDIO_TOKEN';
  if (clean['EDGE_STUDIO_CREDENTIAL'] && clean['EDGE_STUDIO_TOKEN']) issues.push({ path: 'EDGE_STUDIO_TOKEN', message: 'set EDGE_STUDIO_CREDENTIAL or EDGE_STUDIO_TOKEN, not both' });
  if (Boolean(clean['EDGE_STUDIO_URL']) !== Boolean(clean[studioAuth])) {
    issues.push({ path: clean['EDGE_STUDIO_URL'] ? studioAuth : 'EDGE_STUDIO_URL', message: 'EDGE_STUDIO_URL and EDGE_STUDIO_CREDENTIAL (or EDGE_STUDIO_TOKEN) must be set together' });
  }
  throwIfIssues(issues, 'edge gateway');
  const r = raw!;
  return {
    kind: 'edge',
    ...runtime!,
    logLevel: r.LOG_LEVEL,
    http: { host: r.HOST ?? '0.0.0.0', port: r.PORT },
    configFile: r.EDGE_CONFIG_FILE ? resolve(cwd, r.EDGE_CONFIG_FILE) : undefined,
    upstreamUrl: r.EDGE_UPSTREAM_URL,
    studio: r.EDGE_STUDIO_URL && (r.EDGE_STUDIO_CREDENTIAL ?? r.EDGE_STUDIO_TOKEN)
      ? { url: r.EDGE_STUDIO_URL, token: (r.EDGE_STUDIO_CREDENTIAL ?? r.EDGE_STUDIO_TOKEN)!, syncIntervalMs: r.EDGE_STUDIO_SYNC_INTERVAL_MS, edgeId: r.EDGE_ID ?? hostname().slice(0, 128) }
      : undefined,
    dataDir: resolve(cwd, r.EDGE_DATA_DIR ?? DEFAULT_EDGE_DATA_DIR),
    workers: r.EDGE_WORKERS,
  };
}
