import type { HookType } from '@plugway/runtime';

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
  plugin_type: PluginType;
  is_active: boolean;
  oci_reference: string | null;
  config: Record<string, unknown>;
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

/** Persistence port: SQLite by default, Postgres for DATABASE_URL=postgres://… */
export interface PluginStore {
  readonly kind: 'sqlite' | 'postgres';
  /** @throws StudioError STUDIO_SLUG_TAKEN */
  create(p: NewPlugin): Promise<PluginRecord>;
  get(id: number): Promise<PluginRecord | undefined>;
  list(page: { limit: number; offset: number }): Promise<{ items: PluginRecord[]; total: number }>;
  all(): Promise<PluginRecord[]>;
  /** @throws StudioError STUDIO_SLUG_TAKEN */
  update(id: number, patch: PluginPatch): Promise<PluginRecord | undefined>;
  delete(id: number): Promise<boolean>;
  /** Marks a plugin changed without changing a field (a reload that every replica and edge must repeat). */
  touch(id: number): Promise<PluginRecord | undefined>;
  count(): Promise<number>;
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
    // Every write bumps the one plugin_set row in its transaction and stamps the changed plugin with the new value:
    // the set version orders all changes (deletes too), so replicas and edges can tell "changed since" cheaply.
    version: 2,
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
];

export const EDGE_UPSERT = (p: (i: number) => string): string =>
  `INSERT INTO edges (id, applied_version, status, last_seen) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
   ON CONFLICT (id) DO UPDATE SET applied_version = excluded.applied_version, status = excluded.status, last_seen = excluded.last_seen`;

export function rowToEdge(r: Row): EdgeRecord {
  return { id: String(r['id']), applied_version: Number(r['applied_version']), status: String(r['status']), last_seen: String(r['last_seen']) };
}

export const COLUMNS = ['name', 'slug', 'description', 'command', 'hook_type', 'plugin_type', 'is_active', 'oci_reference', 'config'] as const;

interface Row { [k: string]: unknown }

export function rowToRecord(r: Row): PluginRecord {
  return {
    id: Number(r['id']), name: String(r['name']), slug: String(r['slug']), description: String(r['description'] ?? ''),
    command: String(r['command']), hook_type: r['hook_type'] as HookType, plugin_type: r['plugin_type'] as PluginType,
    is_active: r['is_active'] === true || r['is_active'] === 1, oci_reference: (r['oci_reference'] as string | null) ?? null,
    config: JSON.parse(String(r['config'] ?? '{}')) as Record<string, unknown>, created_at: String(r['created_at']), updated_at: String(r['updated_at']),
    version: Number(r['version'] ?? 0),
  };
}
