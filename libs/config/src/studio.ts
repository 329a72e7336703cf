import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { throwIfIssues, type ConfigIssue } from './error.js';
import { cleanEnv, envBool, envInt, envLogLevel, envPath, parseEnv, type Env, type LogLevel } from './env-schema.js';
import { buildRuntimePart, type RuntimePart } from './runtime-settings.js';

/** Where the studio keeps plugin rows. */
export type DatabaseSettings =
  | { kind: 'sqlite'; /** absolute path, or ':memory:' */ path: string }
  | { kind: 'postgres'; /** connection URL (holds the password: never log it) */ url: string };

/** Admin API token: given in the environment, or read from / generated into a 0600 file by the app. */
export type ApiTokenSettings = { source: 'env'; token: string } | { source: 'file'; path: string };

/** Settings both runtimes share. */
export interface BaseSettings extends RuntimePart {
  logLevel: LogLevel;
  http: { host: string; port: number };
}

export interface StudioSettings extends BaseSettings {
  kind: 'studio';
  /** Directory for the default database and the generated token (`STUDIO_DATA_DIR`, default `./.data`). */
  dataDir: string;
  database: DatabaseSettings;
  apiToken: ApiTokenSettings;
  /** Register the demo plugin when the database is empty (`STUDIO_DEMO_PLUGIN`, default true outside production). */
  demoPlugin: boolean;
  production: boolean;
}

export const MIN_API_TOKEN_LENGTH = 16;

/** Parses DATABASE_URL: unset → SQLite in the data dir; sqlite:///abs, sqlite://rel, sqlite::memory:, postgres(ql)://… */
export function parseDatabaseUrl(url: string | undefined, dataDir: string, cwd: string): DatabaseSettings | string {
  if (url === undefined) return { kind: 'sqlite', path: join(dataDir, 'studio.db') };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try { new URL(url); } catch { return 'not a valid postgres:// URL'; }
    return { kind: 'postgres', url };
  }
  const m = /^sqlite:(.*)$/i.exec(url) ?? /^file:(.*)$/i.exec(url);
  if (!m) return 'expected sqlite:///absolute/path, sqlite://relative/path, sqlite::memory: or postgres://…';
  let p = m[1]!;
  if (p === ':memory:' || p === '//:memory:') return { kind: 'sqlite', path: ':memory:' };
  if (p.startsWith('//')) p = p.slice(2);
  if (p === '' || p.includes('\0')) return 'the sqlite URL has no file path';
  return { kind: 'sqlite', path: isAbsolute(p) ? p : resolve(cwd, p) };
}

/**
 * Builds the studio's settings from an environment record (default `process.env`), reporting every problem at once.
 * Defaults: port 3000 on 127.0.0.1, SQLite at `./.data/studio.db`, OCI disabled unless `AI_STUDIO_OCI_CACHE_DIR`.
 * @throws ConfigError CONFIG_INVALID with `details.issues: [{ path, message }]` (variable names, never values)
 */
export function loadStudioSettings(env: Env = process.env, opts: { cwd?: string } = {}): StudioSettings {
  const cwd = opts.cwd ?? process.cwd();
  const clean = cleanEnv(env);
  const issues: ConfigIssue[] = [];
  const production = (clean['NODE_ENV'] ?? '').toLowerCase() === 'production';
  const schema = z.object({
    PORT: envInt(3000, 0, 65535),
    HOST: z.string().optional(),
    LOG_LEVEL: envLogLevel,
    STUDIO_DATA_DIR: envPath.optional(),
    DATABASE_URL: z.string().optional(),
    STUDIO_API_TOKEN: z.string()
      .min(MIN_API_TOKEN_LENGTH, { error: `must be at least ${MIN_API_TOKEN_LENGTH} characters` })
      .refine((t) => /^[\x21-\x7e]+$/.test(t), { error: 'must be printable ASCII without spaces' })
      .optional(),
    STUDIO_DEMO_PLUGIN: envBool(!production),
  });
  const raw = parseEnv(schema, clean, issues);
  const runtime = buildRuntimePart(env, clean, {
    // AI Studio's defaults: OCI off until a cache dir is set, signatures opt-in (an unsigned plugin runs with a warning).
    cacheDir: 'AI_STUDIO_OCI_CACHE_DIR', requireSignature: 'AI_STUDIO_OCI_REQUIRE_SIGNATURE', defaultCacheDir: undefined, defaultRequireSignature: false,
    aliasPrefix: 'AI_STUDIO_OCI_',
  }, issues);
  if (production && !clean['STUDIO_API_TOKEN']) issues.push({ path: 'STUDIO_API_TOKEN', message: 'is required when NODE_ENV=production' });
  const dataDir = resolve(cwd, clean['STUDIO_DATA_DIR'] ?? '.data');
  const db = parseDatabaseUrl(clean['DATABASE_URL'], dataDir, cwd);
  if (typeof db === 'string') issues.push({ path: 'DATABASE_URL', message: db });
  throwIfIssues(issues, 'studio');
  return {
    kind: 'studio',
    ...runtime!,
    logLevel: raw!.LOG_LEVEL,
    http: { host: raw!.HOST ?? '127.0.0.1', port: raw!.PORT },
    dataDir,
    database: db as DatabaseSettings,
    apiToken: raw!.STUDIO_API_TOKEN ? { source: 'env', token: raw!.STUDIO_API_TOKEN } : { source: 'file', path: join(dataDir, 'api-token') },
    demoPlugin: raw!.STUDIO_DEMO_PLUGIN,
    production,
  };
}
