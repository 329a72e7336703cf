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
}

export type NewPlugin = Omit<PluginRecord, 'id' | 'created_at' | 'updated_at'>;
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
  count(): Promise<number>;
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
];

export const COLUMNS = ['name', 'slug', 'description', 'command', 'hook_type', 'plugin_type', 'is_active', 'oci_reference', 'config'] as const;

interface Row { [k: string]: unknown }

export function rowToRecord(r: Row): PluginRecord {
  return {
    id: Number(r['id']), name: String(r['name']), slug: String(r['slug']), description: String(r['description'] ?? ''),
    command: String(r['command']), hook_type: r['hook_type'] as HookType, plugin_type: r['plugin_type'] as PluginType,
    is_active: r['is_active'] === true || r['is_active'] === 1, oci_reference: (r['oci_reference'] as string | null) ?? null,
    config: JSON.parse(String(r['config'] ?? '{}')) as Record<string, unknown>, created_at: String(r['created_at']), updated_at: String(r['updated_at']),
  };
}
