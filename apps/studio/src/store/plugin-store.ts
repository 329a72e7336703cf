import { pluginSandboxSchema, pluginSpecSchema, type HookType } from '@plugway/runtime';
import type { z } from 'zod';

/** The runtime's own schemas of a plugin's go-plugin handshake and sandbox overrides (the API reuses them). */
export const pluginHandshakeSchema = pluginSpecSchema.shape.handshake.unwrap();
export { pluginSandboxSchema };
export type PluginHandshake = z.output<typeof pluginHandshakeSchema>;
export type PluginSandbox = z.output<typeof pluginSandboxSchema>;

export const PLUGIN_TYPES = ['gateway', 'ai_studio', 'agent'] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

/** One stored plugin (API field names). */
export interface PluginRecord {
  id: number;
  name: string;
  slug: string;
  description: string;
  command: string;
  hook_type: HookType;
  /** Every hook the plugin serves (AI Studio's `hook_types`); `hook_type` is the first and the one the runtime routes. */
  hook_types: HookType[];
  plugin_type: PluginType;
  is_active: boolean;
  oci_reference: string | null;
  namespace: string;
  /** sha256 (hex) the plugin file or OCI artifact must have; checked before it runs. */
  checksum: string | null;
  config: Record<string, unknown>;
  /** go-plugin handshake of a plugin built with its own magic cookie (null: AI Studio's default). */
  handshake: PluginHandshake | null;
  /** This plugin's own sandbox (user, group, limits) over the runtime's defaults (null: the defaults). */
  sandbox: PluginSandbox | null;
  created_at: string;
  updated_at: string;
  /** The plugin-set version of this plugin's last change (create, update, reload); replicas compare it to converge. */
  version: number;
}

export type NewPlugin = Omit<PluginRecord, 'id' | 'created_at' | 'updated_at' | 'version'>;

/** An edge gateway as last seen by the plugin-set endpoint. */
export interface EdgeRecord {
  id: string;
  /** The plugin-set version the edge reported as applied (0 = none yet). */
  applied_version: number;
  /** `ok`, or `degraded` when the edge runs from its saved set or a plugin failed. */
  status: string;
  last_seen: string;
}

/** Every plugin and the set's version, read at one point in time. */
export interface PluginSnapshot { version: number; plugins: PluginRecord[] }
export type PluginPatch = Partial<NewPlugin>;

/** An edge gateway's credential (the token itself is never stored, only its sha256). */
export interface EdgeCredentialRecord {
  id: number;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

/** List filters (AI Studio's query parameters). */
export interface ListFilter { hook_type?: HookType; is_active?: boolean }

/** The WHERE clause of a filtered list, with `param(i)` writing the i-th placeholder (`?` or `$1`). */
export function filterSql(f: ListFilter | undefined, param: (i: number) => string): { where: string; args: unknown[] } {
  const conds: string[] = [];
  const args: unknown[] = [];
  if (f?.hook_type !== undefined) { args.push(f.hook_type); conds.push(`hook_type = ${param(args.length)}`); }
  if (f?.is_active !== undefined) { conds.push(f.is_active ? 'is_active' : 'NOT is_active'); }
  return { where: conds.length ? ` WHERE ${conds.join(' AND ')}` : '', args };
}

/** Persistence port: SQLite by default, Postgres for DATABASE_URL=postgres://… */
export interface PluginStore {
  readonly kind: 'sqlite' | 'postgres';
  /** @throws StudioError STUDIO_SLUG_TAKEN */
  create(p: NewPlugin): Promise<PluginRecord>;
  get(id: number): Promise<PluginRecord | undefined>;
  list(page: { limit: number; offset: number }, filter?: ListFilter): Promise<{ items: PluginRecord[]; total: number }>;
  all(): Promise<PluginRecord[]>;
  /** @throws StudioError STUDIO_SLUG_TAKEN */
  update(id: number, patch: PluginPatch): Promise<PluginRecord | undefined>;
  delete(id: number): Promise<boolean>;
  /** Marks a plugin changed without changing a field (a reload that every replica and edge must repeat). */
  touch(id: number): Promise<PluginRecord | undefined>;
  count(): Promise<number>;
  createCredential(name: string, tokenHash: string): Promise<EdgeCredentialRecord>;
  listCredentials(): Promise<EdgeCredentialRecord[]>;
  /** The credential with this token hash, unless revoked. */
  credentialByHash(tokenHash: string): Promise<EdgeCredentialRecord | undefined>;
  /** Marks it revoked; false when there is no such (unrevoked) credential. */
  revokeCredential(id: number): Promise<boolean>;
  snapshot(): Promise<PluginSnapshot>;
  recordEdge(edge: EdgeRecord): Promise<void>;
  listEdges(): Promise<EdgeRecord[]>;
  /**
   * Shared databases only (PostgreSQL): calls `onChange` after any replica committed a change, and after the
   * notification channel reconnected (changes may have been missed). Returns a function that stops watching.
   */
  watch?(onChange: () => void): () => void;
  close(): Promise<void>;
}

/** Ordered schema migrations, shared by both stores (portable SQL). */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'plugins',
    sql: `CREATE TABLE plugins (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      slug TEXT NOT NULL UNIQUE,
      description TEXT NOT NULL DEFAULT '',
      command TEXT NOT NULL,
      hook_type TEXT NOT NULL,
      plugin_type TEXT NOT NULL,
      is_active BOOLEAN NOT NULL,
      oci_reference TEXT,
      config TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
  },
  {
    version: 2,
    name: 'ai studio fields',
    sql: `ALTER TABLE plugins ADD COLUMN namespace TEXT NOT NULL DEFAULT '';
      ALTER TABLE plugins ADD COLUMN hook_types TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE plugins ADD COLUMN checksum TEXT`,
  },
  {
    version: 3,
    name: 'edge credentials',
    sql: `CREATE TABLE edge_credentials (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`,
  },
  {
    // Every write bumps the one plugin_set row in its transaction and stamps the changed plugin with the new value:
    // the set version orders all changes (deletes too), so replicas and edges can tell "changed since" cheaply.
    version: 4,
    name: 'plugin-set versions and edges',
    sql: `ALTER TABLE plugins ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE plugin_set (id INTEGER NOT NULL PRIMARY KEY, version INTEGER NOT NULL);
    INSERT INTO plugin_set (id, version) VALUES (1, 1);
    UPDATE plugins SET version = 1;
    CREATE TABLE edges (
      id TEXT NOT NULL PRIMARY KEY,
      applied_version INTEGER NOT NULL,
      status TEXT NOT NULL,
      last_seen TEXT NOT NULL
    )`,
  },
  {
    version: 5,
    name: 'plugin handshake and sandbox',
    sql: `ALTER TABLE plugins ADD COLUMN handshake TEXT DEFAULT NULL;
      ALTER TABLE plugins ADD COLUMN sandbox TEXT DEFAULT NULL`,
  },
];

export const CREDENTIAL_COLUMNS = 'id, name, created_at, revoked_at';

export function rowToCredential(r: Row): EdgeCredentialRecord {
  return { id: Number(r['id']), name: String(r['name']), created_at: String(r['created_at']), revoked_at: (r['revoked_at'] as string | null) ?? null };
}

export const EDGE_UPSERT = (p: (i: number) => string): string =>
  `INSERT INTO edges (id, applied_version, status, last_seen) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
   ON CONFLICT (id) DO UPDATE SET applied_version = excluded.applied_version, status = excluded.status, last_seen = excluded.last_seen`;

export function rowToEdge(r: Row): EdgeRecord {
  return { id: String(r['id']), applied_version: Number(r['applied_version']), status: String(r['status']), last_seen: String(r['last_seen']) };
}

export const COLUMNS = ['name', 'slug', 'description', 'command', 'hook_type', 'plugin_type', 'is_active', 'oci_reference', 'config', 'namespace', 'hook_types', 'checksum', 'handshake', 'sandbox'] as const;

/** JSON-encoded columns. */
export const JSON_COLUMNS: ReadonlySet<string> = new Set(['config', 'hook_types', 'handshake', 'sandbox']);
/** JSON columns where null means "not set" (stored as SQL NULL). */
const NULLABLE_JSON: ReadonlySet<string> = new Set(['handshake', 'sandbox']);

/** A JSON column's value as stored (text), for both stores. */
export function jsonToDb(col: string, v: unknown): string | null {
  if (v === null || v === undefined) return NULLABLE_JSON.has(col) ? null : '{}';
  return JSON.stringify(v);
}

function jsonOrNull<S extends z.ZodType>(schema: S, v: unknown): z.output<S> | null {
  return v === null || v === undefined ? null : schema.parse(JSON.parse(String(v)));
}

interface Row { [k: string]: unknown }

export function rowToRecord(r: Row): PluginRecord {
  return {
    id: Number(r['id']), name: String(r['name']), slug: String(r['slug']), description: String(r['description'] ?? ''),
    command: String(r['command']), hook_type: r['hook_type'] as HookType, plugin_type: r['plugin_type'] as PluginType,
    is_active: r['is_active'] === true || r['is_active'] === 1, oci_reference: (r['oci_reference'] as string | null) ?? null,
    namespace: String(r['namespace'] ?? ''), checksum: (r['checksum'] as string | null) ?? null,
    hook_types: hookTypesOf(r),
    config: JSON.parse(String(r['config'] ?? '{}')) as Record<string, unknown>,
    handshake: jsonOrNull(pluginHandshakeSchema, r['handshake']), sandbox: jsonOrNull(pluginSandboxSchema, r['sandbox']), created_at: String(r['created_at']), updated_at: String(r['updated_at']),
    version: Number(r['version'] ?? 0),
  };
}

// Rows from before migration 2 have `[]`: they serve their one hook_type.
function hookTypesOf(r: Row): HookType[] {
  const l = JSON.parse(String(r['hook_types'] ?? '[]')) as HookType[];
  return l.length > 0 ? l : [r['hook_type'] as HookType];
}
